import MailTimeModel
import MailTimeProtocol

/// The worker commands, for senders that run as separate processes (protocol.md, section 5).
extension MailTimeClient {
    /// `LEASE`: leases up to `max` (1–1000) due emails for `visibilitySeconds` (1–3600), most urgent first.
    public func lease(max: Int, visibilitySeconds: Int) async throws(MailTimeClientError) -> [LeasedEmail] {
        let reply = try await send(Request(["LEASE", String(max), String(visibilitySeconds)], shape: .counted))
        var leased: [LeasedEmail] = []
        leased.reserveCapacity(reply.dataLines.count)
        for line in reply.dataLines {
            do throws(ProtocolError) {
                leased.append(try LeasedEmail(line))
            } catch {
                throw MailTimeClientError(unexpected: "a LEASE line", error)
            }
        }
        return leased
    }

    /// `COMPLETE`: the leased email was delivered, with these per-recipient results; `provider`
    /// (its name) and `durationMilliseconds` (how long the delivery took) go to the email's
    /// attempt history.
    public func complete(
        id: String,
        token: UInt64,
        results: [RecipientResult] = [],
        provider: String? = nil,
        durationMilliseconds: Int64? = nil
    ) async throws(MailTimeClientError) {
        let report = WorkerReport.complete(results: results, provider: provider, durationMilliseconds: durationMilliseconds)
        try expect(try await self.report(report, id: id, token: token).line, "OK SENT", command: "COMPLETE")
    }

    /// `RETRY`: a temporary failure. Returns the email's state afterwards: `scheduled` or `ready`
    /// when another attempt will come, `failed` when attempts or age ran out, `cancelled` when a
    /// cancel was pending.
    /// - Parameters:
    ///   - delayMilliseconds: overrides the backoff (0: at once).
    ///   - provider: pins the next attempt to this provider index.
    ///   - durationMilliseconds: how long the delivery took, for the email's attempt history.
    public func retry(
        id: String,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        delayMilliseconds: Int64? = nil,
        provider: Int? = nil,
        durationMilliseconds: Int64? = nil
    ) async throws(MailTimeClientError) -> JobState {
        let report = WorkerReport.retry(
            error, results: results, delayMilliseconds: delayMilliseconds, provider: provider, durationMilliseconds: durationMilliseconds)
        let reply = try await self.report(report, id: id, token: token)
        guard let state = JobState(name: reply.line.dropFirst(3).lowercased()) else {
            throw MailTimeClientError(.unexpectedReply, "RETRY was answered with \(reply.line.prefix(80))")
        }
        return state
    }

    /// `FAIL`: a permanent failure; the email will not be tried again. `durationMilliseconds`
    /// (how long the delivery took) goes to the email's attempt history.
    public func fail(
        id: String,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        durationMilliseconds: Int64? = nil
    ) async throws(MailTimeClientError) {
        let report = WorkerReport.fail(error, results: results, durationMilliseconds: durationMilliseconds)
        try expect(try await self.report(report, id: id, token: token).line, "OK FAILED", command: "FAIL")
    }

    /// `TOUCH`: extends the lease to `seconds` (1–3600) from now.
    public func touch(id: String, token: UInt64, seconds: Int) async throws(MailTimeClientError) -> LeaseRenewal {
        let reply = try await send(Request(["TOUCH", id, String(token), String(seconds)]))
        guard reply.line.hasPrefix("OK ") else {
            throw MailTimeClientError(.unexpectedReply, "TOUCH was answered with \(reply.line.prefix(80))")
        }
        do throws(ProtocolError) {
            return try LeaseRenewal(replyText: reply.line.dropFirst(3))
        } catch {
            throw MailTimeClientError(unexpected: "TOUCH's reply", error)
        }
    }

    /// Sends a worker report: its command, the id and token, and its JSON.
    private func report(_ report: WorkerReport, id: String, token: UInt64) async throws(MailTimeClientError) -> BrokerReply {
        let (command, json) = report.wire
        return try await send(Request([command, id, String(token)], tail: json))
    }
}
