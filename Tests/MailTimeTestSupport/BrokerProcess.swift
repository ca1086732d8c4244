import Foundation
import Logging
import MailTimeClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The real `mailtimed` in a child process: the binary built next to this test bundle, a fresh data
/// directory, a port the kernel picks (`--listen-port 0`, read back from the broker's log) and the
/// caller's flags. It can be killed with SIGKILL and started again on the same data directory.
///
/// ``stop()`` (also done on deinit) ends the broker and removes the data directory; the child runs
/// under ``ChildProcess``'s watchdog, so it does not outlive the tests either way.
public final class BrokerProcess: Sendable {
    /// The broker's data directory: queue, `admin.token`, `tls/certificate.pem`.
    public let dataDirectory: URL
    /// The flags every start gets, after the data directory and listening address.
    public let flags: [String]
    private let running = Mutex<(child: ChildProcess, port: Int)?>(nil)

    private init(dataDirectory: URL, flags: [String]) {
        self.dataDirectory = dataDirectory
        self.flags = flags
    }

    deinit {
        stop()
    }

    /// Flags that put the SMTP submission listeners and the admin console on free ports: their defaults
    /// are fixed ports, and tests run brokers side by side.
    public static let freeSubmissionPorts = ["--submission-port", "0", "--submissions-port", "0", "--console-port", "0"]

    /// Starts `mailtimed` with `flags` (e.g. `["--providers", "name=p1;host=127.0.0.1;port=2525;tls=none"]`)
    /// and returns once it accepts connections.
    public static func start(_ flags: [String]) async throws -> BrokerProcess {
        try await start(flags, dataDirectory: try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-e2e-data"))
    }

    /// Starts `mailtimed` with `flags` on `dataDirectory` (which the broker creates when missing),
    /// for example one on a filesystem the test mounted; ``stop()`` removes it.
    public static func start(_ flags: [String], dataDirectory: URL) async throws -> BrokerProcess {
        let broker = BrokerProcess(dataDirectory: dataDirectory, flags: flags)
        do {
            try await broker.launch()
        } catch {
            broker.stop()
            throw error
        }
        return broker
    }

    /// A `--providers` value: an SMTP relay on 127.0.0.1:`port` without TLS, with further `key=value` options.
    public static func provider(_ name: String, port: Int, _ options: String...) -> String {
        (["name=\(name)", "host=127.0.0.1", "port=\(port)", "tls=none"] + options).joined(separator: ";")
    }

    /// The port the running broker listens on.
    public var port: Int {
        get throws {
            guard let port = running.withLock({ $0?.port }) else { throw ChildProcess.Failure("mailtimed is not running") }
            return port
        }
    }

    /// The port of the running broker's SMTP submission listener with STARTTLS, or with `implicitTLS` the
    /// other one, read from its log line ("submission listening" or "submissions listening") once it listens.
    public func submissionPort(implicitTLS: Bool = false) async throws -> Int {
        guard let child = running.withLock({ $0?.child }) else { throw ChildProcess.Failure("mailtimed is not running") }
        let announcement = implicitTLS ? "submissions listening" : "submission listening"
        let line = try await child.waitForOutputLine(timeout: .seconds(30)) { $0.contains(announcement) }
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }), let port = Int(field.dropFirst("port=".count))
        else {
            throw ChildProcess.Failure("mailtimed announced no submission port: \(line)")
        }
        return port
    }

    /// The port of the running broker's admin console, read from its log line ("console listening") once it listens.
    public func consolePort() async throws -> Int {
        guard let child = running.withLock({ $0?.child }) else { throw ChildProcess.Failure("mailtimed is not running") }
        let line = try await child.waitForOutputLine(timeout: .seconds(30)) { $0.contains("console listening") }
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }), let port = Int(field.dropFirst("port=".count))
        else {
            throw ChildProcess.Failure("mailtimed announced no console port: \(line)")
        }
        return port
    }

    /// The admin token the broker made in its data directory.
    public var adminToken: String {
        get throws {
            try String(contentsOf: dataDirectory.appendingPathComponent("admin.token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A client authenticated as admin, trusting the broker's own certificate by its fingerprint.
    public func connect() async throws -> MailTimeClient {
        try await MailTimeClient.connect(
            host: "127.0.0.1",
            port: try port,
            tls: try .pinned(certificateFile: dataDirectory.appendingPathComponent("tls/certificate.pem").path),
            token: try adminToken,
            logger: .quiet
        )
    }

    /// Kills the broker with SIGKILL (no graceful anything) and waits until it is gone.
    public func kill() async throws {
        guard
            let child = running.withLock({ state in
                defer { state = nil }
                return state?.child
            })
        else { return }
        defer { child.terminate() }
        _ = Glibc.kill(child.processIdentifier, SIGKILL)
        let status = try await Self.exitStatus(of: child, within: .seconds(10))
        guard status == 128 + SIGKILL else {
            throw ChildProcess.Failure("mailtimed ended with status \(status) instead of being killed")
        }
    }

    /// Stops the broker gracefully (SIGTERM) and returns its exit status. Throws, with the broker's log,
    /// if it is still running after `timeout`; it is killed then.
    public func terminate(timeout: Duration) async throws -> Int32 {
        guard
            let child = running.withLock({ state in
                defer { state = nil }
                return state?.child
            })
        else {
            throw ChildProcess.Failure("mailtimed is not running")
        }
        defer { child.terminate(timeout: .zero) }
        _ = Glibc.kill(child.processIdentifier, SIGTERM)
        return try await Self.exitStatus(of: child, within: timeout)
    }

    /// Starts the broker again on the same data directory (after ``kill()``), on `port` (the port it
    /// had, read before ``kill()``, for clients that reconnect) or on a port the kernel picks;
    /// returns once it accepts connections.
    public func restart(port: Int? = nil) async throws {
        guard running.withLock({ $0 == nil }) else { throw ChildProcess.Failure("mailtimed is still running") }
        try await launch(port: port ?? 0)
    }

    /// Ends the broker at once (SIGKILL when SIGTERM does not end it immediately, so that a test's cleanup
    /// never waits) and removes the data directory. Idempotent.
    public func stop() {
        let child = running.withLock { state in
            defer { state = nil }
            return state?.child
        }
        child?.terminate(timeout: .zero)
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// Waits, without holding a thread, until `child` exits; returns its exit status, or throws after `timeout`.
    private static func exitStatus(of child: ChildProcess, within timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = child.exitStatus { return status }
            guard ContinuousClock.now < deadline else {
                throw ChildProcess.Failure("mailtimed did not exit within \(timeout): \(child.diagnostics())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func launch(port requestedPort: Int = 0) async throws {
        let arguments =
            ["--data-directory", dataDirectory.path, "--listen-host", "127.0.0.1", "--listen-port", "\(requestedPort)"] + Self.freeSubmissionPorts
            + flags
        let child = try ChildProcess.launch(try BuiltProduct.path("mailtimed"), arguments: arguments, mergeStandardError: true)
        let port: Int
        do {
            let line = try await child.waitForOutputLine(timeout: .seconds(30)) { $0.contains("broker listening") }
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }),
                let number = Int(field.dropFirst("port=".count))
            else {
                throw ChildProcess.Failure("mailtimed announced no port: \(line)")
            }
            port = number
        } catch {
            child.terminate()
            throw error
        }
        running.withLock { $0 = (child, port) }
    }
}
