/// The worker commands, for senders that run as separate processes (protocol.md, section 5).
extension MailTimeClient {
    /// `LEASE`: leases up to `max` (1–1000) due emails for `visibilitySeconds` (1–3600), most urgent first.
    public func lease(max: Int, visibilitySeconds: Int) async throws(MailTimeClientError) -> [LeasedEmail] {
        let reply = try await send(Request(["LEASE", String(max), String(visibilitySeconds)], shape: .counted))
        var leased: [LeasedEmail] = []
        leased.reserveCapacity(reply.dataLines.count)
        for line in reply.dataLines {
            leased.append(try LeasedEmail(jobLine: line))
        }
        return leased
    }

    /// `COMPLETE`: the leased email was delivered, with these per-recipient results.
    public func complete(id: String, token: UInt64, results: [RecipientReport] = []) async throws(MailTimeClientError) {
        let tail = results.isEmpty ? nil : JSONValue.array(results.map(\.jsonValue)).text
        try expect(try await send(Request(["COMPLETE", id, String(token)], tail: tail)).line, "OK SENT", command: "COMPLETE")
    }

    /// `RETRY`: a temporary failure. Returns the email's state afterwards: `scheduled` or `ready`
    /// when another attempt will come, `failed` when attempts or age ran out, `cancelled` when a
    /// cancel was pending.
    /// - Parameters:
    ///   - delayMilliseconds: overrides the backoff (0: at once).
    ///   - provider: pins the next attempt to this provider index.
    public func retry(
        id: String,
        token: UInt64,
        error: DeliveryError,
        results: [RecipientReport] = [],
        delayMilliseconds: Int64? = nil,
        provider: Int? = nil
    ) async throws(MailTimeClientError) -> JobStatus.State {
        var report: [String: JSONValue] = ["error": error.jsonValue]
        if !results.isEmpty { report["results"] = .array(results.map(\.jsonValue)) }
        report["delay_ms"] = delayMilliseconds.map(JSONValue.integer)
        report["provider"] = provider.map { .integer(Int64($0)) }
        let reply = try await send(Request(["RETRY", id, String(token)], tail: JSONValue.object(report).text))
        guard let state = JobStatus.State(rawValue: reply.line.dropFirst(3).lowercased()) else {
            throw MailTimeClientError(.unexpectedReply, "RETRY was answered with \(reply.line.prefix(80))")
        }
        return state
    }

    /// `FAIL`: a permanent failure; the email will not be tried again.
    public func fail(id: String, token: UInt64, error: DeliveryError, results: [RecipientReport] = []) async throws(MailTimeClientError) {
        var report: [String: JSONValue] = ["error": error.jsonValue]
        if !results.isEmpty { report["results"] = .array(results.map(\.jsonValue)) }
        let reply = try await send(Request(["FAIL", id, String(token)], tail: JSONValue.object(report).text))
        try expect(reply.line, "OK FAILED", command: "FAIL")
    }

    /// `TOUCH`: extends the lease to `seconds` (1–3600) from now.
    public func touch(id: String, token: UInt64, seconds: Int) async throws(MailTimeClientError) -> LeaseRenewal {
        let reply = try await send(Request(["TOUCH", id, String(token), String(seconds)]))
        let words = reply.line.split(separator: " ")
        guard words.count == 2 || (words.count == 3 && words[2] == "CANCEL_REQUESTED"), let deadline = Int64(words[1]) else {
            throw MailTimeClientError(.unexpectedReply, "TOUCH was answered with \(reply.line.prefix(80))")
        }
        return LeaseRenewal(deadline: deadline, cancelRequested: words.count == 3)
    }
}
