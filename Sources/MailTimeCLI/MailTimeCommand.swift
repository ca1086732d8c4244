import ArgumentParser

/// `mailtime`: the command-line client of the MailTime broker.
@main
struct MailTimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailtime",
        abstract: "Queue emails with a MailTime broker and look after its queue.",
        discussion: """
            Output is for people by default; with --json, status, stats, list and events print the \
            broker's JSON as it comes, one object per line. send prints the email's id alone either way.

            The broker is at --host and --port, else at MAILTIME_URL (mailtime://HOST:PORT, or \
            mailtimes://), else at 127.0.0.1:7525. With no --token, the token comes from --token-file, \
            MAILTIME_TOKEN, or ./var/admin.token. \
            With neither --fingerprint nor --ca-file, the broker's certificate is pinned from \
            MAILTIME_FINGERPRINT or ./var/tls/certificate.pem, or else checked against MAILTIME_CA or \
            the system's trust store.

            Applications that speak SMTP need no client: the broker also accepts email over SMTP \
            submission, with STARTTLS on port 2587 and implicit TLS on 2465 by default (submission.port, \
            submissions.port; 587 and 465 in production). Log in with AUTH PLAIN or LOGIN inside TLS, any \
            user name, and a producer or admin token as the password; each message is on disk before the \
            250 2.0.0 <id> queued reply, and that id works with status and cancel. For example: \
            swaks --server 127.0.0.1 --port 2587 -tls --auth PLAIN --auth-user app --auth-password \
            "$(cat var/admin.token)" --from app@example.com --to ann@example.com. \
            See the README's "SMTP submission" and protocol.md, section 8.

            Exit status: 0 on success; 1 when the broker refuses a request (error: <CODE> <message> \
            on stderr); 2 when the broker cannot be reached or understood; 64 for a usage error.
            """,
        subcommands: [
            SendCommand.self,
            StatusCommand.self,
            CancelCommand.self,
            StatsCommand.self,
            ListCommand.self,
            RequeueCommand.self,
            PurgeCommand.self,
            PauseCommand.self,
            ResumeCommand.self,
            EventsCommand.self,
            PingCommand.self,
            SenderCommand.self,
        ]
    )
}
