import Foundation
import MailTimeTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket standing in for systemd's notification socket: bound at a path, or in the
/// abstract namespace; ``address`` is what `NOTIFY_SOCKET` is set to.
final class NotifySocket: Sendable {
    /// `NOTIFY_SOCKET`'s value: the path, or `@name` for the abstract namespace.
    let address: String
    private let descriptor: Int32
    private let path: String?

    init(abstract: Bool) throws {
        let name = "mailtime-notify-\(UUID().uuidString.prefix(8))"
        let path = abstract ? nil : FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        let bytes = path.map { Array($0.utf8) + [0] } ?? ([0] + Array(name.utf8))
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count - (path == nil ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw TestFailure("bind(\(path ?? "@" + name)) failed: errno \(errno)")
        }
        self.descriptor = descriptor
        self.path = path
        address = path ?? "@" + name
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }

    /// The next datagram, waited for without holding a thread; throws after `timeout`.
    func receive(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return String(decoding: buffer[0..<count], as: UTF8.self) }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw TestFailure("recv failed: errno \(errno)") }
            guard ContinuousClock.now < deadline else { throw TestFailure("no datagram on \(address) within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
