import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// systemd's readiness protocol (sd_notify(3)) for `Type=notify` units: datagrams such as `READY=1` to the
/// unix socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
///
/// As a service, listed last in the group, it is the first told of a graceful shutdown and then sends
/// `STOPPING=1` before the broker starts draining.
struct SystemdNotifier: Service {
    /// The socket's address as `NOTIFY_SOCKET` gives it.
    let socketPath: String
    private let logger: Logger

    /// A notifier for `environment`'s `NOTIFY_SOCKET`; nil when it is unset or empty (not run by systemd).
    init?(environment: [String: String], logger: Logger) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        self.socketPath = path
        self.logger = logger
    }

    /// Sends `state` (`READY=1`, `STOPPING=1`) as one datagram; a failure is logged, never fatal.
    func notify(_ state: String) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            logger.warning("cannot notify systemd", metadata: ["state": "\(state)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketPath.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 }  // the abstract namespace starts with a NUL byte
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard name.count < capacity else {
            logger.warning("cannot notify systemd: NOTIFY_SOCKET is too long", metadata: ["NOTIFY_SOCKET": "\(socketPath)"])
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        // A path is followed by its NUL; an abstract name is exactly its bytes.
        let length = MemoryLayout<sa_family_t>.size + name.count + (name[0] == 0 ? 0 : 1)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        if sent < 0 {
            logger.warning("cannot notify systemd", metadata: ["state": "\(state)", "error": "\(String(cString: strerror(errno)))"])
        } else {
            logger.debug("notified systemd", metadata: ["state": "\(state)"])
        }
    }

    /// Waits for the graceful shutdown and sends `STOPPING=1`.
    func run() async throws {
        try? await gracefulShutdown()
        notify("STOPPING=1")
    }
}
