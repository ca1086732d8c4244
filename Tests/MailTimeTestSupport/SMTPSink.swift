import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Postfix's `smtp-sink` (Debian `postfix`) on 127.0.0.1 and a free port: a fast SMTP server that throws
/// the mail away, with switches for misbehaving (`-r RCPT`, `-Q DATA`, `-w 5`, `-p`, `-e`, `-8`; see
/// `man smtp-sink`).
///
/// Counting: the sink always runs with `-c`, which writes its running counters (`sess=N quit=N mesg=N`,
/// each record ended by a carriage return, unbuffered) to its standard output, a file; ``deliveredCount()``
/// reads the last complete record's `mesg`. smtp-sink counts a message when it receives the `.` that ends
/// its DATA, so the count is exact and costs no disk writes per message. Note that it counts the message
/// even when the sink is told to refuse the `.` itself (`-r .`, `-f .`, `-q .`, `-Q .`); refusals of
/// MAIL, RCPT or DATA (and `-A`) are not counted.
///
/// Run as root, the sink gets `-u nobody` (smtp-sink demands a user to switch to).
public final class SMTPSink: Sendable {
    /// The port the sink listens on, on 127.0.0.1.
    public let port: Int
    /// The whole argument list smtp-sink runs with.
    public let arguments: [String]
    private let child: ChildProcess

    private init(port: Int, arguments: [String], child: ChildProcess) {
        self.port = port
        self.arguments = arguments
        self.child = child
    }

    /// Starts smtp-sink with the caller's extra `arguments` (options only; the address and `backlog` are
    /// added) and returns once it listens. Without a `port`, a free port is found by binding port 0 and
    /// closing it; if another process takes the port before smtp-sink binds it, smtp-sink exits and another
    /// port is tried. A given `port` (one a test kept for a provider that comes up later) is tried once.
    public static func start(
        arguments: [String] = [],
        port requestedPort: Int? = nil,
        backlog: Int = 64,
        timeout: Duration = .seconds(30)
    ) async throws -> SMTPSink {
        let executable =
            ["/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink"]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "smtp-sink"
        let user = getuid() == 0 && !arguments.contains("-u") ? ["-u", "nobody"] : []
        var failures: [String] = []
        for _ in 0..<(requestedPort == nil ? 5 : 1) {
            let port = try requestedPort ?? freeLoopbackPort()
            let fullArguments = ["-c"] + user + arguments + ["127.0.0.1:\(port)", "\(backlog)"]
            let child = try ChildProcess.launch(executable, arguments: fullArguments)
            let settled = try await ChildProcess.poll(timeout: timeout) {
                !child.isRunning || isListening(port: port)
            }
            if settled && child.isRunning {
                // A failed bind makes smtp-sink exit at once: give a port held by someone else a moment to show.
                try await Task.sleep(for: .milliseconds(20))
                if child.isRunning {
                    return SMTPSink(port: port, arguments: fullArguments, child: child)
                }
            }
            let diagnostics = child.diagnostics()
            child.terminate()
            guard settled else {
                throw ChildProcess.Failure("smtp-sink did not listen on port \(port) within \(timeout): \(diagnostics)")
            }
            guard diagnostics.contains("bind") || diagnostics.contains("in use") else {
                throw ChildProcess.Failure("smtp-sink did not start: \(diagnostics)")
            }
            failures.append(diagnostics)
        }
        throw ChildProcess.Failure("smtp-sink could not bind a port: \(failures.joined(separator: "\n"))")
    }

    /// How many messages smtp-sink received so far (DATA ended by `.`), from its `-c` counters.
    public func deliveredCount() throws -> Int {
        guard FileManager.default.fileExists(atPath: child.directory.path) else {
            throw ChildProcess.Failure("smtp-sink was stopped")
        }
        let output = child.standardOutput()
        // Records end in "\r" or "\n" (smtp-sink uses both); the part after the last one may be a
        // record still being written. Counters only grow: the highest complete one is current.
        var records = output.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
        records.removeLast()
        return records.compactMap { record in
            record.split(separator: " ").first { $0.hasPrefix("mesg=") }.flatMap { Int($0.dropFirst("mesg=".count)) }
        }.max() ?? 0
    }

    /// Waits until smtp-sink received at least `count` messages; throws after `timeout`, saying how many came.
    public func waitForDelivered(count: Int, timeout: Duration) async throws {
        var delivered = 0
        let arrived = try await ChildProcess.poll(timeout: timeout) {
            delivered = try deliveredCount()
            return delivered >= count
        }
        guard arrived else {
            throw ChildProcess.Failure(
                "expected \(count) message(s) within \(timeout), but smtp-sink received \(delivered); \(child.diagnostics())"
            )
        }
    }

    /// What smtp-sink wrote to standard error (e.g. with `-v`, the SMTP conversations).
    public func log() -> String {
        child.standardError()
    }

    /// What to show in a failure: whether smtp-sink still runs (or its exit status), and the end of its stderr.
    public func diagnostics() -> String {
        child.diagnostics()
    }

    /// Stops smtp-sink (terminates and reaps it) and removes its temporary files. Idempotent; also done on deinit.
    public func stop() {
        child.terminate()
    }

    deinit {
        stop()
    }

    /// A port that was free on 127.0.0.1 a moment ago: the kernel's choice for a socket bound to port 0.
    static func freeLoopbackPort() throws -> Int {
        #if canImport(Darwin)
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw ChildProcess.Failure("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ChildProcess.Failure("cannot bind a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether some socket listens on 127.0.0.1:`port` (Linux's /proc/net/tcp; no connection is made, so the
    /// sink's session counters and `-n` are not disturbed).
    static func isListening(port: Int) -> Bool {
        guard let table = readWholeFile("/proc/net/tcp") else { return false }
        let local = "0100007F:" + String(format: "%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > 3, fields[1] == local, fields[3] == "0A" { return true }
        }
        return false
    }

    /// The whole of a file read to its end. Foundation's `String(contentsOfFile:)` trusts the size `stat`
    /// reports, which is 0 for /proc files, and may stop after the first page of a long socket table.
    private static func readWholeFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
