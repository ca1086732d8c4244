import MailTimeProtocol

/// The search, bulk and provider commands (protocol.md, section 5: LIST, REQUEUE WHERE, CANCEL WHERE,
/// PURGE WHERE, PAUSE PROVIDER, RESUME PROVIDER). Values may not hold spaces: the client refuses
/// them with `INVALID_REQUEST` before sending.
extension MailTimeClient {
    /// `LIST key=value …`: up to `limit` (1–1000) emails matching `filter` (all of them when it is
    /// empty), in id order, after the email `after` (admin). Page by passing the last id as `after`.
    public func list(_ filter: EmailFilter, after: String? = nil, limit: Int = 100) async throws(MailTimeClientError) -> [JobStatus] {
        var words = ["LIST"] + filter.arguments
        if let after { words.append("after=" + after) }
        words.append("limit=\(limit)")
        return try Self.jobs(in: try await send(Request(words, shape: .counted)))
    }

    /// `REQUEUE WHERE …`: puts every failed or cancelled email matching `filter` back in the queue
    /// (admin). Returns how many.
    public func requeue(where filter: EmailFilter) async throws(MailTimeClientError) -> Int {
        try await bulk(.requeue, filter)
    }

    /// `CANCEL WHERE …`: cancels every scheduled, ready or leased email matching `filter` (admin).
    /// Returns how many (a leased email counts once, when its cancel is first asked for).
    public func cancel(where filter: EmailFilter) async throws(MailTimeClientError) -> Int {
        try await bulk(.cancel, filter)
    }

    /// `PURGE WHERE …`: deletes every sent, failed or cancelled email matching `filter` (admin).
    /// Returns how many.
    public func purge(where filter: EmailFilter) async throws(MailTimeClientError) -> Int {
        try await bulk(.purge, filter)
    }

    /// `PAUSE PROVIDER <name>`: no email goes to the provider until it is resumed (admin).
    public func pauseProvider(_ name: String) async throws(MailTimeClientError) {
        try expect(try await send(Request(["PAUSE", "PROVIDER", name])).line, "OK PAUSED", command: "PAUSE")
    }

    /// `RESUME PROVIDER <name>`: the provider may be used again (admin).
    public func resumeProvider(_ name: String) async throws(MailTimeClientError) {
        try expect(try await send(Request(["RESUME", "PROVIDER", name])).line, "OK RESUMED", command: "RESUME")
    }

    private func bulk(_ action: BrokerCommand.BulkAction, _ filter: EmailFilter) async throws(MailTimeClientError) -> Int {
        guard !filter.isEmpty else {
            throw MailTimeClientError(.invalidRequest, "\(action.rawValue) WHERE needs at least one condition")
        }
        return try count(of: try await send(Request([action.rawValue, "WHERE"] + filter.arguments)), command: action.rawValue)
    }

    /// The jobs of a `LIST` reply's `JOB` lines.
    static func jobs(in reply: BrokerReply) throws(MailTimeClientError) -> [JobStatus] {
        var jobs: [JobStatus] = []
        jobs.reserveCapacity(reply.dataLines.count)
        for line in reply.dataLines.map(\.text) {
            guard line.hasPrefix("JOB ") else {
                throw MailTimeClientError(.unexpectedReply, "a LIST line is not a JOB line: \(line.prefix(80))")
            }
            jobs.append(try decode(JobStatus.self, line.dropFirst(4), "a LIST line"))
        }
        return jobs
    }
}
