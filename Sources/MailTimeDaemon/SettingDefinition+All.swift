extension SettingDefinition {
    private static let day = 86_400
    private static let year = 365 * day

    /// Every key `mailtimed` reads, in the order `--help`, `--print-config` and the README list them.
    static let all: [SettingDefinition] = [
        SettingDefinition("listen.host", .text, default: .text("127.0.0.1"), "The address to listen on (TLS only)."),
        SettingDefinition(
            "listen.port", .integer(0...65_535), default: .integer(7525),
            "The port to listen on; 0 picks a free one (the log line \"broker listening\" names it)."
        ),
        SettingDefinition(
            "data.directory", .text, default: .text("./var"),
            "The data directory: the store, the embedded certificate and admin token, the outbox."
        ),
        SettingDefinition(
            "tls.certificate", .text, unset: "made in the data directory",
            "The certificate chain (PEM file); without it a self-signed one is made in the data directory."
        ),
        SettingDefinition("tls.key", .text, "The private key (PEM file) of tls.certificate; required with it."),
        SettingDefinition("tls.client-ca", .text, "A CA bundle (PEM file): clients must present a certificate it signed."),
        SettingDefinition(
            "tokens.admin", .list, unset: "made in admin.token in the data directory", secret: true,
            "Admin tokens (16 characters or more, or sha256:<hex>), each optionally followed by ;<domain>... to limit its senders; without any, admin.token in the data directory holds one."
        ),
        SettingDefinition(
            "tokens.producer", .list, secret: true,
            "Producer tokens (16 characters or more, or sha256:<hex>), each optionally followed by ;<domain>... to limit its senders (README, Tokens)."
        ),
        SettingDefinition("tokens.worker", .list, secret: true, "Worker tokens (16 characters or more, or sha256:<hex>)."),
        SettingDefinition(
            "tokens.viewer", .list, secret: true,
            "Viewer tokens (16 characters or more, or sha256:<hex>): read-only, for the admin console and STATS, LIST, STATUS, EVENTS."
        ),
        SettingDefinition("default-from", .text, "The sender of emails that have no from."),
        SettingDefinition("limits.connections", .integer(1...1_000_000), default: .integer(1024), "Open connections at most."),
        SettingDefinition(
            "limits.idle-timeout-seconds", .integer(1...day), default: .integer(300),
            "A connection idle this long (no request, nothing in flight) is closed."
        ),
        SettingDefinition(
            "limits.handshake-timeout-seconds", .integer(1...3600), default: .integer(10),
            "A TLS handshake not finished in this time is dropped."
        ),
        SettingDefinition(
            "limits.inflight", .integer(1...65_536), default: .integer(256),
            "Unanswered requests per connection past which the broker stops reading it (protocol.md, section 3)."
        ),
        SettingDefinition(
            "limits.unwritten-reply-bytes", .integer(1...1_073_741_824), default: .integer(262_144),
            "Reply bytes produced but not yet written per connection past which the broker stops reading it (protocol.md, section 3)."
        ),
        SettingDefinition(
            "limits.total-unwritten-reply-bytes", .integer(1...68_719_476_736), default: .integer(67_108_864),
            "The same across all connections: past it, every connection with unwritten replies stops being read."
        ),
        SettingDefinition(
            "limits.line-length", .integer(256...16_777_216), default: .integer(16_384),
            "The longest request line in bytes, CRLF included."
        ),
        SettingDefinition(
            "limits.email-size", .integer(1...1_073_741_824), default: .integer(26_214_400),
            "The largest email (SEND payload) in bytes; the limits on its lists are fixed (protocol.md, SEND)."
        ),
        SettingDefinition(
            "submission.enabled", .boolean, default: .boolean(true),
            "Accept email over SMTP submission with STARTTLS (RFC 6409; README, SMTP submission)."
        ),
        SettingDefinition("submission.host", .text, default: .text("127.0.0.1"), "The address the submission listener binds."),
        SettingDefinition(
            "submission.port", .integer(0...65_535), default: .integer(2587),
            "The submission port (587 in production); 0 picks a free one (the log line \"submission listening\" names it)."
        ),
        SettingDefinition(
            "submission.trusted-networks", .list,
            "Client networks (CIDR, e.g. 127.0.0.0/8 or ::1/128) that may submit without AUTH, like Postfix's mynetworks."
        ),
        SettingDefinition(
            "submission.hostname", .text, unset: "the machine's host name",
            "The name in the SMTP greeting, in EHLO's reply and in the Received field added to each message."
        ),
        SettingDefinition(
            "submission.max-recipients", .integer(1...10_000), default: .integer(100),
            "RCPT TO commands accepted per message; past it the reply is 452 4.5.3."
        ),
        SettingDefinition(
            "submission.max-errors", .integer(1...1000), default: .integer(10),
            "Refused commands per session before the listener replies 421 and closes it."
        ),
        SettingDefinition(
            "submission.connections", .integer(1...1_000_000), default: .integer(1024),
            "Open connections at most on each submission listener; past it a new one gets 421 and is closed."
        ),
        SettingDefinition(
            "submission.command-timeout-seconds", .integer(1...3600), default: .integer(300),
            "How long the listener waits for the next command (RFC 5321, section 4.5.3.2.7: 5 minutes)."
        ),
        SettingDefinition(
            "submission.data-timeout-seconds", .integer(1...3600), default: .integer(180),
            "How long the listener waits for more of a message after DATA or BDAT (RFC 5321: 3 minutes per block)."
        ),
        SettingDefinition(
            "submissions.enabled", .boolean, default: .boolean(true),
            "Accept email over SMTP submission with implicit TLS (RFC 8314)."
        ),
        SettingDefinition("submissions.host", .text, default: .text("127.0.0.1"), "The address the implicit-TLS listener binds."),
        SettingDefinition(
            "submissions.port", .integer(0...65_535), default: .integer(2465),
            "The implicit-TLS submission port (465 in production); 0 picks a free one (the log line \"submissions listening\" names it)."
        ),
        SettingDefinition(
            "console.enabled", .boolean, default: .boolean(true),
            "Serve the admin console and its JSON API over HTTPS (README, Admin console)."
        ),
        SettingDefinition("console.host", .text, default: .text("127.0.0.1"), "The address the admin console binds."),
        SettingDefinition(
            "console.port", .integer(0...65_535), default: .integer(7580),
            "The admin console's HTTPS port; 0 picks a free one (the log line \"console listening\" names it)."
        ),
        SettingDefinition("senders", .integer(0...1024), default: .integer(4), "Embedded senders; 0 makes the broker a pure queue."),
        SettingDefinition(
            "lease-visibility-seconds", .integer(1...day), default: .integer(60),
            "How long an embedded sender's lease lasts; it is renewed during long sends."
        ),
        SettingDefinition(
            "retry.min-delay-seconds", .integer(0...day), default: .integer(30),
            "The delay after the first temporary failure; it doubles after each one."
        ),
        SettingDefinition(
            "retry.max-delay-seconds", .integer(0...30 * day), default: .integer(3600),
            "The longest delay between two attempts; at least retry.min-delay-seconds."
        ),
        SettingDefinition("retry.max-attempts", .integer(1...1000), default: .integer(30), "Attempts in all before an email fails."),
        SettingDefinition(
            "retry.max-age-seconds", .integer(1...year), default: .integer(432_000),
            "How long after it was queued an email may still be tried."
        ),
        SettingDefinition(
            "idempotency-window-seconds", .integer(0...year), default: .integer(86_400),
            "How long an idempotency key keeps answering with the same email."
        ),
        SettingDefinition(
            "history-retention-seconds", .integer(0...year), default: .integer(604_800),
            "How long sent, failed and cancelled emails are kept."
        ),
        SettingDefinition(
            "history.body-retention-seconds", .integer(0...year), default: .integer(86_400),
            "How long a sent email keeps its body (its record stays for history-retention-seconds); 0 deletes the body as the email is sent."
        ),
        SettingDefinition(
            "providers", .list, unset: "none: write to outbox/ in the data directory",
            "SMTP relays, each a specification of key=value pairs separated by ; (README, Configuration)."
        ),
        SettingDefinition(
            "strategy", .choice(["failover", "balance"]), default: .text("failover"),
            "failover (in order) or balance (weighted round-robin) across providers."
        ),
        SettingDefinition(
            "failover.fails-to-next", .integer(1...1000), default: .integer(4),
            "Temporary failures on one provider before an email tries the next."
        ),
        SettingDefinition(
            "circuit.failure-threshold", .integer(1...1000), default: .integer(3),
            "Provider failures in a row that take a provider out."
        ),
        SettingDefinition(
            "circuit.cool-down-ms", .integer(1...day * 1000), default: .integer(10_000),
            "How long a provider taken out stays out before a probe."
        ),
        SettingDefinition(
            "folding.enabled", .boolean, default: .boolean(false),
            "Fold every email to a single recipient, not only those with \"fold\": true."
        ),
        SettingDefinition(
            "folding.window-seconds", .integer(1...day), default: .integer(60),
            "How long the first email to a recipient waits for more to fold."
        ),
        SettingDefinition(
            "folding.subject", .text, default: .text("Multiple notifications ({{count}})"),
            "The folded email's subject; {{count}} is the number of emails."
        ),
        SettingDefinition("folding.delimiter", .text, default: .text("<hr>"), "What goes between the folded HTML bodies."),
        SettingDefinition(
            "shutdown.grace-seconds", .integer(0...day), default: .integer(30),
            "How long a graceful stop (SIGTERM) may take before sends in flight are abandoned to their leases."
        ),
        SettingDefinition(
            "log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: .text("info"),
            "The least severe log level written to standard error."
        ),
        SettingDefinition(
            "metrics.port", .integer(0...65_535), unset: "none: no metrics",
            "Serve Prometheus metrics at GET /metrics over plain HTTP on this port."
        ),
        SettingDefinition("metrics.host", .text, default: .text("127.0.0.1"), "The address the metrics are served on."),
    ]
}
