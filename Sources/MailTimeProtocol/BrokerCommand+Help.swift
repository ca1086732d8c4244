extension BrokerCommand {
    /// `HELP`'s reply (protocol.md, section 5): `OK <n>`, then one `HELP <usage>: <what it does>`
    /// line per command, those open to all first, then by role.
    public static let helpReply = BrokerReply.okLines(
        [
            "PING: replies OK PONG (anyone)",
            "HELP: lists the commands (anyone)",
            "AUTH <token>: authenticates; replies OK <role> (anyone)",
            "QUIT: replies OK BYE and closes the connection (anyone)",
            "SEND {json}: queues the email given as compact JSON on the line (producer)",
            "SEND <bytes>: queues the email given as the next <bytes> bytes, then CRLF (producer)",
            "CANCEL <id>: cancels a queued email (producer)",
            "STATUS <id>: an email's state as JSON (producer, viewer)",
            "STATS: the queue's counts and the providers' health (admin, viewer)",
            "LIST <state> [after-id|-] [limit]: up to limit (1-1000) emails in a state (admin, viewer)",
            "LIST [key=value ...]: emails matching state, recipient, domain, sender, tag, provider, error-code, created-from, created-to; after, limit (admin, viewer)",
            "REQUEUE <id>|FAILED: puts a failed or cancelled email back, or every failed one (admin)",
            "REQUEUE WHERE <key=value> ...: puts every failed or cancelled email matching back (admin)",
            "CANCEL WHERE <key=value> ...: cancels every waiting or leased email matching (admin)",
            "PURGE WHERE <key=value> ...: deletes every sent, failed or cancelled email matching (admin)",
            "PAUSE: stops the broker's own senders (admin)",
            "RESUME: starts them again (admin)",
            "PAUSE PROVIDER <name>: holds one provider's circuit open (admin)",
            "RESUME PROVIDER <name>: lets the provider be used again (admin)",
            "EVENTS: streams events on this connection (admin, viewer)",
            "LEASE <max> <visibility-seconds>: leases up to max (1-1000) due emails (worker)",
            "COMPLETE <id> <token> [results-json]: the leased email was delivered (worker)",
            "RETRY <id> <token> <json>: a temporary failure (worker)",
            "FAIL <id> <token> <json>: a permanent failure (worker)",
            "TOUCH <id> <token> <seconds>: extends a lease by 1-3600 seconds from now (worker)",
        ].map { ReplyLine("HELP " + $0) }
    )
}
