import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process for the real peers the tests talk to (aiosmtpd, smtp-sink, swaks, openssl).
///
/// - It is started with `posix_spawn` (not Foundation's `Process`, which learns of an exit only when every
///   holder of a socket it passes to the child has closed it, so a child's own children delay it), with all
///   signals unblocked and the usual ones at their default action (a Swift concurrency thread blocks
///   signals, and the mask is inherited), in its own process group, with no descriptor but 0, 1 and 2.
/// - Its standard output and standard error go to files in a temporary directory the child owns, so a
///   chatty child can never block on a full pipe; read them at any time with ``standardOutput()`` and
///   ``standardError()``.
/// - It runs under a small `/bin/sh` watchdog: the shell starts a background `cat` on a pipe whose write
///   end only this process holds, then `exec`s the program (whose own standard input is `/dev/null`).
///   If the test process dies without calling ``terminate(timeout:)``, the pipe closes and the watchdog
///   sends SIGTERM to the program, so no peer outlives the tests.
/// - ``terminate(timeout:)`` signals the process group (the program and its watchdog): SIGTERM, then
///   SIGKILL after the timeout, and reaps the program. This type reaps its own child (`waitpid`).
public final class ChildProcess: @unchecked Sendable {
    /// Why a peer could not be started, answered or stopped; the description says what and includes
    /// what the child wrote to standard error.
    public typealias Failure = TestFailure

    /// The program and its arguments, for messages.
    public let commandLine: String
    /// The temporary directory holding `stdout` and `stderr`; removed by ``terminate(timeout:)``.
    public let directory: URL
    /// The process identifier of the program (also the id of its process group).
    public let processIdentifier: Int32

    private let watchdogInput: Int32
    private let mergesStandardError: Bool
    private let lock = NSLock()
    private var status: Int32?
    private var terminated = false

    // Moves the pipe to fd 3 for the background `cat` (sh gives a background job /dev/null as its stdin),
    // and execs the program with /dev/null as its stdin.
    private static let watchdog = #"""
        exec 3<&0 </dev/null
        { cat <&3 >/dev/null; kill -TERM $$ 2>/dev/null; } &
        exec 3<&-
        exec "$@"
        """#

    private init(
        commandLine: String,
        directory: URL,
        processIdentifier: Int32,
        watchdogInput: Int32,
        mergesStandardError: Bool
    ) {
        self.commandLine = commandLine
        self.directory = directory
        self.processIdentifier = processIdentifier
        self.watchdogInput = watchdogInput
        self.mergesStandardError = mergesStandardError
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    /// - Parameter mergeStandardError: send standard error to the standard output file too, keeping the order
    ///   of the two streams (``standardError()`` is then empty).
    public static func launch(
        _ executable: String,
        arguments: [String],
        mergeStandardError: Bool = false
    ) throws -> ChildProcess {
        let directory = try makeTemporaryDirectory(prefix: "mailtime-child")
        let outputPath = directory.appendingPathComponent("stdout").path
        let errorPath = directory.appendingPathComponent("stderr").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            FileManager.default.createFile(atPath: errorPath, contents: nil)
        else {
            try? FileManager.default.removeItem(at: directory)
            throw Failure("cannot create the output files in \(directory.path)")
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw Failure("pipe() failed: errno \(errno)")
        }
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        let processIdentifier: Int32
        do {
            processIdentifier = try spawn(
                ["/bin/sh", "-c", watchdog, "mailtime-watchdog", executable] + arguments,
                input: pipeEnds[0],
                outputPath: outputPath,
                errorPath: mergeStandardError ? nil : errorPath
            )
        } catch {
            close(pipeEnds[0])
            close(pipeEnds[1])
            try? FileManager.default.removeItem(at: directory)
            throw Failure("cannot start \(executable): \(error)")
        }
        close(pipeEnds[0])
        return ChildProcess(
            commandLine: ([executable] + arguments).map(Self.quoted).joined(separator: " "),
            directory: directory,
            processIdentifier: processIdentifier,
            watchdogInput: pipeEnds[1],
            mergesStandardError: mergeStandardError
        )
    }

    #if os(Linux)
    private static func spawn(_ arguments: [String], input: Int32, outputPath: String, errorPath: String?) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_APPEND, 0)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_APPEND, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Close every other descriptor (what posix_spawn_file_actions_addclosefrom_np does, which Swift does
        // not see): one inherited by accident, e.g. Foundation's socket for its own child, would keep things open.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { Int32($0) }) ?? []
        for descriptor in open where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )

        let argv = arguments.map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var processIdentifier: pid_t = 0
        let result = posix_spawn(&processIdentifier, arguments[0], &actions, &attributes, argv, environment)
        guard result == 0 else { throw Failure("posix_spawn failed: \(String(cString: strerror(result)))") }
        return processIdentifier
    }
    #else
    private static func spawn(_ arguments: [String], input: Int32, outputPath: String, errorPath: String?) throws -> Int32 {
        throw Failure("the test peers run on Linux only")
    }
    #endif

    deinit {
        terminate()
    }

    /// The exit status once the program has exited (128 + the signal number if a signal ended it), or nil.
    public var exitStatus: Int32? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                let result = waitpid(processIdentifier, &raw, WNOHANG)
                if result == processIdentifier {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                } else if result == -1 && errno == ECHILD {
                    status = -1  // not our child any more: reaped elsewhere
                }
            }
            return status
        }
    }

    /// Whether the program is still running.
    public var isRunning: Bool { exitStatus == nil }

    /// Everything the program wrote to standard output so far.
    public func standardOutput() -> String {
        String(decoding: standardOutputBytes(), as: UTF8.self)
    }

    /// Everything the program wrote to standard output so far, as bytes.
    public func standardOutputBytes() -> [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent("stdout")))) ?? []
    }

    /// Everything the program wrote to standard error so far (empty when merged into standard output).
    public func standardError() -> String {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("stderr")) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// What to show in a failure: the exit status, and the end of standard error (or output when merged).
    public func diagnostics() -> String {
        let state = exitStatus.map { "exited with status \($0)" } ?? "still running"
        let text = mergesStandardError ? standardOutput() : standardError()
        let tail = text.count > 4000 ? "…" + text.suffix(4000) : Substring(text)
        return "`\(commandLine)` \(state); stderr:\n\(tail)"
    }

    /// Waits until standard output holds a complete line (ended by a newline) for which `predicate` holds,
    /// and returns it. Throws if the program exits first, or after `timeout`, with the program's stderr.
    public func waitForOutputLine(
        timeout: Duration,
        where predicate: (Substring) -> Bool
    ) async throws -> Substring {
        let deadline = ContinuousClock.now + timeout
        while true {
            let output = standardOutput()
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()  // not (yet) ended by a newline
            if let line = lines.first(where: predicate) {
                return line
            }
            if !isRunning {
                throw Failure("the expected line never came: \(diagnostics())")
            }
            if ContinuousClock.now >= deadline {
                throw Failure("the expected line did not come within \(timeout): \(diagnostics())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Blocks until the program exits and returns its exit status; after `timeout` it terminates the
    /// program and throws.
    public func waitForExit(timeout: Duration) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { return status }
            if ContinuousClock.now >= deadline {
                let message = "did not exit within \(timeout): \(diagnostics())"
                terminate()
                throw Failure(message)
            }
            usleep(2_000)
        }
    }

    /// Stops the program (SIGTERM to its process group, SIGKILL after `timeout`), waits until it is reaped,
    /// and removes ``directory``. Idempotent; also done on deinit.
    public func terminate(timeout: Duration = .seconds(3)) {
        let first = lock.withLock {
            defer { terminated = true }
            return !terminated
        }
        guard first else { return }
        // Closing the watchdog's pipe makes its `cat` end; it then signals the program's pid. When the
        // program is gone that pid may belong to someone else by now: kill the watchdog first (it is
        // still in the program's process group, which keeps the group id from being reused).
        if !isRunning {
            _ = kill(-processIdentifier, SIGKILL)
        }
        close(watchdogInput)
        if isRunning {
            signal(SIGTERM)
            if !waitForExitQuietly(timeout: timeout) {
                signal(SIGKILL)
                _ = waitForExitQuietly(timeout: .seconds(5))
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func signal(_ number: Int32) {
        guard processIdentifier > 0 else { return }
        // The child leads its own process group (POSIX_SPAWN_SETPGROUP); fall back to the pid alone.
        if kill(-processIdentifier, number) != 0 {
            _ = kill(processIdentifier, number)
        }
    }

    private func waitForExitQuietly(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// Creates a new, empty, private temporary directory (under `TMPDIR`); the caller removes it.
    public static func makeTemporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: url,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return url
    }

    /// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
    public static func poll(
        timeout: Duration,
        interval: Duration = .milliseconds(10),
        until condition: () throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: interval)
        }
    }

    private static func quoted(_ argument: String) -> String {
        let plain = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+%".contains($0) }
        if plain && !argument.isEmpty { return argument }
        if argument.count > 200 { return "'\(argument.prefix(60))…'" }
        return "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
