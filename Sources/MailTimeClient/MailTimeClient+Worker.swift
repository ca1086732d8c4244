import MailTimeJSON
import MailTimeMessage

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
        var tail: String?
        if !results.isEmpty {
            var writer = JSONWriter()
            Self.write(results, to: &writer)
            tail = String(decoding: writer.bytes, as: UTF8.self)
        }
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
        let report = Self.failureReport(error: error, results: results, delayMilliseconds: delayMilliseconds, provider: provider)
        let reply = try await send(Request(["RETRY", id, String(token)], tail: report))
        guard let state = JobStatus.State(rawValue: reply.line.dropFirst(3).lowercased()) else {
            throw MailTimeClientError(.unexpectedReply, "RETRY was answered with \(reply.line.prefix(80))")
        }
        return state
    }

    /// `FAIL`: a permanent failure; the email will not be tried again.
    public func fail(id: String, token: UInt64, error: DeliveryError, results: [RecipientReport] = []) async throws(MailTimeClientError) {
        let report = Self.failureReport(error: error, results: results)
        let reply = try await send(Request(["FAIL", id, String(token)], tail: report))
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

    /// The JSON report of `RETRY` and `FAIL`: `{"error","results","delay_ms","provider"}`.
    private static func failureReport(
        error: DeliveryError,
        results: [RecipientReport],
        delayMilliseconds: Int64? = nil,
        provider: Int? = nil
    ) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        error.write(to: &writer)
        if !results.isEmpty {
            writer.key("results")
            write(results, to: &writer)
        }
        if let delayMilliseconds {
            writer.key("delay_ms")
            writer.integer(delayMilliseconds)
        }
        if let provider {
            writer.key("provider")
            writer.integer(provider)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Writes per-recipient results as a JSON array.
    private static func write(_ results: [RecipientReport], to writer: inout JSONWriter) {
        writer.beginArray()
        for result in results { result.write(to: &writer) }
        writer.endArray()
    }
}
