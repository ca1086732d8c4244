@testable import MailTimeBroker
import MailTimeProtocol
import MailTimeQueue
import Testing

/// The replies protocol.md documents for the edges of the worker and admin commands: reports after
/// the end of a lease, ids that are malformed, unknown or held by another token, ranges.
@Suite struct WorkerReportEdgeTests {
    static let email = BrokerCommandExecutorTests.email
    static let unknownID = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59"
    static let retry = #"{"error":{"code":"SMTP_TEMPORARY","text":"451 later"}}"#
    static let fail = #"{"error":{"code":"SMTP_PERMANENT","text":"550 no"}}"#

    /// Sends an email and leases it for a minute; returns its id and token.
    static func leased(_ fixture: CommandFixture) async throws -> (id: JobID, token: UInt64) {
        let id = try await fixture.send(email)
        #expect(try await fixture.reply("LEASE 1 60").line == "OK 1")
        return (id, try #require(try await fixture.job(id).activeLease?.token))
    }

    static func code(_ reply: BrokerReply) -> String? { CommandFixture.errorCode(reply) }

    @Test func malformedUnknownAndForeignIDsAndTokens() async throws {
        try await CommandFixture.run { fixture in
            let (id, token) = try await Self.leased(fixture)
            for command in ["COMPLETE", "TOUCH", "RETRY", "FAIL"] {
                let tail = command == "TOUCH" ? " 60" : command == "RETRY" ? " \(Self.retry)" : command == "FAIL" ? " \(Self.fail)" : ""
                #expect(Self.code(try await fixture.reply("\(command) not-an-id \(token)\(tail)")) == "BAD_ARGUMENTS")
                #expect(Self.code(try await fixture.reply("\(command) \(id.description.uppercased()) \(token)\(tail)")) == "BAD_ARGUMENTS")
                #expect(Self.code(try await fixture.reply("\(command) \(Self.unknownID) \(token)\(tail)")) == "NOT_FOUND")
                // A token that never held the email, on a live lease: the sentence says no more than is true.
                let forged = try await fixture.reply("\(command) \(id) \(token + 1000)\(tail)")
                #expect(Self.code(forged) == "STALE_TOKEN")
                #expect(forged.line.contains("not the token of the job's latest lease") && !forged.line.contains("expired"), "\(forged.line)")
            }
            #expect(try await fixture.job(id).state == .leased)
        }
    }

    @Test func aReportAfterTheEmailIsFinal() async throws {
        try await CommandFixture.run { fixture in
            let (id, token) = try await Self.leased(fixture)
            #expect(try await fixture.reply("COMPLETE \(id) \(token)").line == "OK SENT")
            // The same token again: the email is final.
            #expect(Self.code(try await fixture.reply("COMPLETE \(id) \(token)")) == "INVALID_STATE")
            #expect(Self.code(try await fixture.reply("FAIL \(id) \(token) \(Self.fail)")) == "INVALID_STATE")
            #expect(Self.code(try await fixture.reply("TOUCH \(id) \(token) 60")) == "INVALID_STATE")
            #expect(Self.code(try await fixture.reply("COMPLETE \(id) \(token + 1)")) == "STALE_TOKEN")
            #expect(try await fixture.job(id).state == .sent)
        }
    }

    @Test func aSecondRetryFindsNoLease() async throws {
        try await CommandFixture.run { fixture in
            let (id, token) = try await Self.leased(fixture)
            #expect(try await fixture.reply("RETRY \(id) \(token) \(Self.retry)").line.hasPrefix("OK "))
            let again = try await fixture.reply("RETRY \(id) \(token) \(Self.retry)")
            #expect(Self.code(again) == "STALE_TOKEN")
            #expect(again.line.contains("no lease is held on it"), "\(again.line)")
        }
    }

    @Test func retryReports() async throws {
        try await CommandFixture.run { fixture in
            let (id, token) = try await Self.leased(fixture)
            #expect(Self.code(try await fixture.reply(#"RETRY \#(id) \#(token) {"delay_ms":5}"#)) == "INVALID_FIELD")
            #expect(Self.code(try await fixture.reply(#"RETRY \#(id) \#(token) {"error":{"code":"X","text":"t"},"delay_ms":-1}"#)) == "INVALID_FIELD")
            #expect(Self.code(try await fixture.reply(#"RETRY \#(id) \#(token) {"error":{"code":"X","text":"t"},"later":1}"#)) == "INVALID_FIELD")
            #expect(Self.code(try await fixture.reply("RETRY \(id) \(token) {nope")) == "INVALID_JSON")
            #expect(Self.code(try await fixture.reply("RETRY \(id) \(token) [1]")) == "INVALID_JSON")
            #expect(Self.code(try await fixture.reply("RETRY \(id) \(token)")) == "BAD_ARGUMENTS")
            // None of them changed the lease.
            #expect(try await fixture.job(id).activeLease?.token == token)
            let zero = #"{"error":{"code":"X","text":"t"},"delay_ms":0}"#
            #expect(try await fixture.reply("RETRY \(id) \(token) \(zero)").line == "OK READY")
        }
    }

    @Test func touchRange() async throws {
        try await CommandFixture.run { fixture in
            let (id, token) = try await Self.leased(fixture)
            #expect(Self.code(try await fixture.reply("TOUCH \(id) \(token) 0")) == "INVALID_ARGUMENT")
            #expect(Self.code(try await fixture.reply("TOUCH \(id) \(token) 3601")) == "INVALID_ARGUMENT")
            #expect(Self.code(try await fixture.reply("TOUCH \(id) \(token) +60")) == "BAD_ARGUMENTS")
            // The longest first: after `TOUCH … 1` a busy machine may let the lease run out before the next request.
            #expect(try await fixture.reply("TOUCH \(id) \(token) 3600").line.hasPrefix("OK "))
            #expect(try await fixture.reply("TOUCH \(id) \(token) 1").line.hasPrefix("OK "))
        }
    }

    @Test func requeueOfEveryState() async throws {
        try await CommandFixture.run { fixture in
            #expect(try await fixture.reply("REQUEUE FAILED").line == "OK 0")
            let ready = try await fixture.send(Self.email)
            #expect(Self.code(try await fixture.reply("REQUEUE \(ready)")) == "INVALID_STATE")
            #expect(Self.code(try await fixture.reply("REQUEUE \(Self.unknownID)")) == "NOT_FOUND")
            #expect(Self.code(try await fixture.reply("REQUEUE nope")) == "BAD_ARGUMENTS")
            #expect(Self.code(try await fixture.reply("REQUEUE failed")) == "BAD_ARGUMENTS")
            #expect(Self.code(try await fixture.reply("REQUEUE \(ready.description.uppercased())")) == "BAD_ARGUMENTS")
            #expect(try await fixture.reply("CANCEL \(ready)").line == "OK CANCELLED")
            #expect(try await fixture.reply("REQUEUE \(ready)").line == "OK 1")
            #expect(try await fixture.job(ready).state == .ready)
            #expect(try await fixture.reply("LEASE 1 60").line == "OK 1")
            let token = try #require(try await fixture.job(ready).activeLease?.token)
            #expect(Self.code(try await fixture.reply("REQUEUE \(ready)")) == "INVALID_STATE")
            #expect(try await fixture.reply("COMPLETE \(ready) \(token)").line == "OK SENT")
            #expect(Self.code(try await fixture.reply("REQUEUE \(ready)")) == "INVALID_STATE")
            #expect(try await fixture.job(ready).state == .sent)
        }
    }

    @Test func aPendingCancelEndsARetryCancelledButAFailFailed() async throws {
        try await CommandFixture.run { fixture in
            let (retried, retriedToken) = try await Self.leased(fixture)
            #expect(try await fixture.reply("CANCEL \(retried)").line == "OK CANCEL_REQUESTED")
            #expect(try await fixture.reply("RETRY \(retried) \(retriedToken) \(Self.retry)").line == "OK CANCELLED")
            let (failed, failedToken) = try await Self.leased(fixture)
            #expect(try await fixture.reply("CANCEL \(failed)").line == "OK CANCEL_REQUESTED")
            #expect(try await fixture.reply("FAIL \(failed) \(failedToken) \(Self.fail)").line == "OK FAILED")
            #expect(try await fixture.job(failed).state == .failed)
            let (completed, completedToken) = try await Self.leased(fixture)
            #expect(try await fixture.reply("CANCEL \(completed)").line == "OK CANCEL_REQUESTED")
            #expect(try await fixture.reply("COMPLETE \(completed) \(completedToken)").line == "OK SENT")
        }
    }

    @Test func aLateReportIsAcceptedUntilTheEmailIsLeasedAgainAndAnExpiredLeaseCountsAsAnAttempt() async throws {
        try await CommandFixture.run { fixture in
            let first = try await fixture.send(Self.email)
            let second = try await fixture.send(Self.email)
            #expect(try await fixture.reply("LEASE 2 1").line == "OK 2")
            let firstToken = try #require(try await fixture.job(first).lease?.token)
            let secondToken = try #require(try await fixture.job(second).lease?.token)
            try await Task.sleep(for: .milliseconds(1500))
            // Any write round ends the expired leases: both emails are ready again.
            _ = try await fixture.send(Self.email)
            #expect(try await fixture.job(first).state == .ready)
            #expect(try await fixture.reply("COMPLETE \(first) \(firstToken)").line == "OK SENT")
            #expect(try await fixture.job(first).attempts == 1)

            // The second is leased again before its first sender reports: that report is refused.
            let leased = try await fixture.reply("LEASE 2 60")
            #expect(leased.dataLines.contains { $0.text.contains(second.description) })
            let job = try await fixture.job(second)
            #expect(job.attempts == 2)
            #expect(job.activeLease?.token != secondToken)
            let late = try await fixture.reply("COMPLETE \(second) \(secondToken)")
            #expect(Self.code(late) == "STALE_TOKEN")
            #expect(try await fixture.job(second).state == .leased)
        }
    }
}
