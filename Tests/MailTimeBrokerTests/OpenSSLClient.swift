import Foundation
import Glibc
import Synchronization

/// `openssl s_client` talking to the broker, as a person at a terminal would
/// (`-crlf -quiet`): the tests type lines and read the broker's lines.
final class OpenSSLClient: Sendable {
    private let process: Process
    private let input: FileHandle
    private let output = OutputBuffer()

    /// What openssl printed so far, and whether its output ended.
    private final class OutputBuffer: Sendable {
        let state = Mutex<(buffer: [UInt8], closed: Bool)>(([], false))
    }

    init(port: Int, extraArguments: [String] = []) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-crlf", "-quiet"] + extraArguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        input = stdin.fileHandleForWriting
        let output = self.output
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.state.withLock { state in
                if data.isEmpty { state.closed = true } else { state.buffer += data }
            }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Kills openssl: the connection drops without a TLS close_notify.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
    }

    /// Types `text` followed by a line break (`-crlf` turns it into CRLF).
    func type(_ text: String) {
        // The broker may have closed the connection (and openssl exited): that shows in the replies.
        try? input.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Sends raw bytes as they are.
    func send(_ bytes: [UInt8]) {
        try? input.write(contentsOf: Data(bytes))
    }

    /// The next line from the broker (without CRLF), or `nil` if none comes within `timeout`
    /// or the connection closed.
    func line(timeout: Duration = .seconds(10)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let line: String?? = output.state.withLock { state in
                if let newline = state.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    var bytes = Array(state.buffer[..<newline])
                    state.buffer.removeSubrange(...newline)
                    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                    return .some(String(decoding: bytes, as: UTF8.self))
                }
                return state.closed ? .some(nil) : nil
            }
            if let line { return line }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Whether the broker closed the connection (openssl exits) within `timeout`.
    func closes(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning || output.state.withLock({ $0.closed }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Types `SEND <bytes>` and the JSON payload.
    func sendEmail(_ json: String) {
        type("SEND \(json.utf8.count)")
        type(json)
    }
}
