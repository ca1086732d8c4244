import Foundation

/// `swaks` (Debian `swaks`), the Swiss Army Knife for SMTP, as a real SMTP client, to check the test
/// servers themselves against a client that is not ours.
public enum Swaks {
    /// How a `swaks` run ended.
    public struct Result: Sendable, CustomStringConvertible {
        /// swaks's exit status: 0 when the message was accepted; e.g. 2 cannot connect, 23 MAIL refused,
        /// 24 every RCPT refused, 25 DATA refused, 26 the final `.` refused, 28 AUTH failed, 29 TLS failed.
        public var exitStatus: Int32
        /// swaks's standard output and standard error, interleaved as written: the SMTP transcript
        /// (`->` client, `<-` server, `~>`/`<~` in TLS, `<**` an error reply, `***` swaks's own errors).
        public var transcript: String

        /// Whether swaks exited with status 0.
        public var succeeded: Bool { exitStatus == 0 }

        public var description: String { "swaks exited with status \(exitStatus):\n\(transcript)" }
    }

    /// Sends one message with swaks to 127.0.0.1:`port` and waits for swaks to finish.
    /// - Parameters:
    ///   - from: the envelope sender (`"<>"` for the null sender); also swaks's From header.
    ///   - recipients: the RCPT TO addresses (at least one).
    ///   - body: the body under swaks's default headers (passed exactly, through a file: `--body @file`),
    ///     or nil for swaks's default body.
    ///   - startTLS: require STARTTLS (`-tls`; swaks fails if the server does not offer it).
    ///   - authentication: AUTH with this user, password and mechanism (e.g. `"PLAIN"`, `"LOGIN"`).
    ///   - extraArguments: more swaks options, e.g. `["--tls-on-connect"]`, `["--quit-after", "RCPT"]`.
    ///   - timeout: swaks's `--timeout`, how long it waits for each reply (whole seconds, at least 1); swaks is
    ///     killed and this throws if the whole run takes longer than three times that.
    public static func send(
        to port: Int,
        from: String,
        recipients: [String],
        body: String? = nil,
        startTLS: Bool = false,
        authentication: (user: String, password: String, mechanism: String)? = nil,
        extraArguments: [String] = [],
        timeout: Duration = .seconds(10)
    ) throws -> Result {
        guard !recipients.isEmpty else { throw ChildProcess.Failure("swaks needs at least one recipient") }
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-swaks")
        defer { try? FileManager.default.removeItem(at: directory) }

        var arguments = [
            "--server", "127.0.0.1",
            "--port", "\(port)",
            "--from", from,
            "--to", recipients.joined(separator: ","),
            "--timeout", "\(max(1, timeout.components.seconds))s",
        ]
        if let body {
            let file = directory.appendingPathComponent("body.txt")
            try Data(body.utf8).write(to: file)
            arguments += ["--body", "@" + file.path]
        }
        if startTLS {
            arguments.append("-tls")
        }
        if let authentication {
            arguments += [
                "--auth", authentication.mechanism,
                "--auth-user", authentication.user,
                "--auth-password", authentication.password,
            ]
        }
        arguments += extraArguments

        let swaks = try ChildProcess.launch("swaks", arguments: arguments, mergeStandardError: true)
        defer { swaks.terminate() }
        let status = try swaks.waitForExit(timeout: timeout * 3)
        return Result(exitStatus: status, transcript: swaks.standardOutput())
    }
}
