@testable import MailTimeBroker
import MailTimeProtocol
import MailTimeQueue
import Testing

/// The executor against a real queue: each command's reply (protocol.md, section 5) and what it stored.
@Suite struct BrokerCommandExecutorTests {
    static let email = #"{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"Hello, Ann."}"#

    @Test func sendStoresTheEmailAndRepliesWithItsID() async throws {
        try await CommandFixture.run { fixture in
            let id = try await fixture.send(Self.email)
            let job = try await fixture.job(id)
            #expect(job.state == .ready)
            #expect(job.priority == 128)
        }
    }

    @Test func sendInlineTakesTheEmailFromTheLine() async throws {
        try await CommandFixture.run { fixture in
            let reply = try await fixture.reply("SEND \(Self.email)")
            let id = try #require(JobID(String(reply.line.dropFirst(3))), "\(reply.line)")
            #expect(try await fixture.job(id).state == .ready)
            let keyed = #"{"from":"a@example.com","to":"b@example.com","text":"x","idempotency_key":"k-2"}"#
            let counted = try await fixture.reply("SEND \(keyed.utf8.count)", payload: keyed)
            #expect(try await fixture.reply("SEND \(keyed)").line == counted.line + " DUPLICATE")
            #expect(CommandFixture.errorCode(try await fixture.reply(#"SEND {"to":"bob@","text":"x"}"#)) == "INVALID_ADDRESS")
            #expect(CommandFixture.errorCode(try await fixture.reply("SEND {nope")) == "INVALID_JSON")
        }
    }

    @Test func aRepeatedIdempotencyKeyRepliesDuplicateWithTheFirstID() async throws {
        try await CommandFixture.run { fixture in
            let email = #"{"from":"a@example.com","to":"b@example.com","text":"x","idempotency_key":"k-1"}"#
            let first = try await fixture.send(email)
            let reply = try await fixture.reply("SEND \(email.utf8.count)", payload: email)
            #expect(reply.line == "OK \(first) DUPLICATE")
            let listed = try await fixture.reply("LIST ready")
            #expect(listed.line == "OK 1")
        }
    }

    @Test func anInvalidEmailIsRefusedWithItsCode() async throws {
        try await CommandFixture.run { fixture in
            let noBody = #"{"from":"a@example.com","to":"b@example.com"}"#
            #expect(CommandFixture.errorCode(try await fixture.reply("SEND \(noBody.utf8.count)", payload: noBody)) == "NO_BODY")
            let notJSON = "{nope"
            #expect(CommandFixture.errorCode(try await fixture.reply("SEND 5", payload: notJSON)) == "INVALID_JSON")
            let stats = try await fixture.queue.run(.stats())
            #expect(stats.counts.values.reduce(0, +) == 0)
        }
    }

    @Test func cancelAReadyEmail() async throws {
        try await CommandFixture.run { fixture in
            let id = try await fixture.send(Self.email)
            #expect(try await fixture.reply("CANCEL \(id)").line == "OK CANCELLED")
            #expect(try await fixture.job(id).state == .cancelled)
            #expect(CommandFixture.errorCode(try await fixture.reply("CANCEL \(id)")) == "INVALID_STATE")
        }
    }

    @Test func cancelALeasedEmailRequestsIt() async throws {
        try await CommandFixture.run { fixture in
            let id = try await fixture.send(Self.email)
            _ = try await fixture.queue.run(.lease(maximum: 1, visibility: .seconds(60), owner: "w"))
            #expect(try await fixture.reply("CANCEL \(id)").line == "OK CANCEL_REQUESTED")
            #expect(try await fixture.job(id).cancelRequested)
        }
    }

    @Test func statusOfUnknownAndMalformedIDs() async throws {
        try await CommandFixture.run { fixture in
            let id = try await fixture.send(Self.email)
            let status = try await fixture.reply("STATUS \(id)")
            #expect(status.line.hasPrefix("OK {"))
            #expect(CommandFixture.errorCode(try await fixture.reply("STATUS 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59")) == "NOT_FOUND")
            #expect(CommandFixture.errorCode(try await fixture.reply("STATUS not-an-id")) == "BAD_ARGUMENTS")
        }
    }

    @Test func listAndStats() async throws {
        try await CommandFixture.run { fixture in
            for _ in 0..<3 { _ = try await fixture.send(Self.email) }
            let listed = try await fixture.reply("LIST ready")
            #expect(listed.line == "OK 3")
            #expect(listed.dataLines.count == 3)
            #expect(listed.dataLines.allSatisfy { $0.text.hasPrefix("JOB ") })
            #expect(try await fixture.reply("LIST sent").line == "OK 0")
            #expect(CommandFixture.errorCode(try await fixture.reply("LIST nowhere")) == "BAD_ARGUMENTS")
            #expect(try await fixture.reply("STATS").line.hasPrefix("OK {"))
        }
    }

    @Test func leaseThenComplete() async throws {
        try await CommandFixture.run { fixture in
            let id = try await fixture.send(Self.email)
            let leased = try await fixture.reply("LEASE 5 60")
            #expect(leased.line == "OK 1")
            let job = try await fixture.job(id)
            #expect(job.state == .leased)
            let token = try #require(job.activeLease?.token)
            #expect(CommandFixture.errorCode(try await fixture.reply("COMPLETE \(id) \(token + 1)")) == "STALE_TOKEN")
            #expect(try await fixture.reply("TOUCH \(id) \(token) 120").line.hasPrefix("OK "))
            #expect(try await fixture.reply("COMPLETE \(id) \(token)").line == "OK SENT")
            #expect(try await fixture.job(id).state == .sent)
            #expect(try await fixture.reply("LEASE 5 60").line == "OK 0")
        }
    }

    @Test func retryAndFailReports() async throws {
        try await CommandFixture.run { fixture in
            let first = try await fixture.send(Self.email)
            let second = try await fixture.send(Self.email)
            _ = try await fixture.reply("LEASE 2 60")
            let firstToken = try #require(try await fixture.job(first).activeLease?.token)
            let secondToken = try #require(try await fixture.job(second).activeLease?.token)
            let retry = #"{"error":{"code":"SMTP_TEMPORARY","text":"451 try later","provider":"p"},"delay_ms":60000}"#
            #expect(try await fixture.reply("RETRY \(first) \(firstToken) \(retry)").line == "OK SCHEDULED")
            #expect(try await fixture.job(first).state == .scheduled)
            let fail = #"{"error":{"code":"SMTP_PERMANENT","text":"550 no","provider":"p"}}"#
            #expect(try await fixture.reply("FAIL \(second) \(secondToken) \(fail)").line == "OK FAILED")
            #expect(try await fixture.job(second).state == .failed)
            #expect(try await fixture.reply("REQUEUE FAILED").line == "OK 1")
            #expect(try await fixture.job(second).state == .ready)
        }
    }

    @Test func pauseAndResumeDelivery() async throws {
        try await CommandFixture.run { fixture in
            let paused = try await fixture.reply("PAUSE")
            #expect(paused.line == "OK PAUSED")
            #expect(fixture.control.isPaused)
            let resumed = try await fixture.reply("RESUME")
            #expect(resumed.line == "OK RESUMED")
            #expect(!fixture.control.isPaused)
        }
    }

    @Test func aClosedQueueRepliesShuttingDown() async throws {
        try await CommandFixture.run { fixture in
            fixture.queue.close()
            let reply = try await fixture.reply("SEND \(Self.email.utf8.count)", payload: Self.email)
            #expect(CommandFixture.errorCode(reply) == "SHUTTING_DOWN")
        }
    }
}
