import Foundation
import Synchronization

/// A running `openssl` command line tool whose standard output is collected in the background.
final class OpenSSLProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private let output = LockedBytes()
    private let errors = LockedBytes()

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        self.process = process
        self.input = stdin.fileHandleForWriting
        Self.collect(stdout.fileHandleForReading, into: self.output)
        Self.collect(stderr.fileHandleForReading, into: self.errors)
    }

    deinit {
        self.stop()
    }

    private static func collect(_ handle: FileHandle, into sink: LockedBytes) {
        let thread = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty {
                    sink.end()
                    return
                }
                sink.append(Array(data))
            }
        }
        thread.start()
    }

    /// Writes `bytes` to the tool's standard input from a background thread, then closes it if asked.
    func send(_ bytes: [UInt8], thenClose: Bool = false) {
        let input = self.input
        Thread {
            try? input.write(contentsOf: bytes)
            if thenClose {
                try? input.close()
            }
        }.start()
    }

    var standardOutput: [UInt8] { self.output.value }
    var standardError: String { String(decoding: self.errors.value, as: UTF8.self) }
    var isRunning: Bool { self.process.isRunning }
    var exitStatus: Int32 { self.process.terminationStatus }

    /// Waits until standard output holds `count` bytes or `timeout` passes.
    func waitForOutput(count: Int, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil(timeout: timeout) { self.output.value.count >= count }
    }

    /// Waits for the tool to exit by itself and its output to be collected, up to `timeout`.
    func waitForExit(timeout: Duration = .seconds(10)) async throws {
        try await waitUntil(timeout: timeout) { !self.process.isRunning && self.output.ended }
    }

    /// Ends the tool if it still runs. SIGKILL, because a child of the test runner inherits a
    /// signal mask that blocks SIGTERM. It does not wait for the exit: `waitUntilExit()` would block
    /// a thread of the tests' shared pool, and two such waits have been seen to stall every test.
    func stop() {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
        }
    }
}

/// Bytes appended by one thread and read by another, until the writer reaches end of file.
final class LockedBytes: Sendable {
    private let state = Mutex<(bytes: [UInt8], ended: Bool)>(([], false))

    var value: [UInt8] { self.state.withLock { $0.bytes } }
    var ended: Bool { self.state.withLock { $0.ended } }

    func append(_ more: [UInt8]) {
        self.state.withLock { $0.bytes += more }
    }

    func end() {
        self.state.withLock { $0.ended = true }
    }
}

struct TimedOut: Error {}

/// Polls `condition` every 10 ms until it holds, or throws ``TimedOut`` after `timeout`.
func waitUntil(timeout: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        try await Task.sleep(for: .milliseconds(10))
    }
}
