import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

@Suite("Worker commands", .timeLimit(.minutes(2)))
struct WorkerTests {
    @Test func leasesTouchesAndCompletes() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            let now = Int64(Date().timeIntervalSince1970 * 1000)

            let leases = try await client.lease(max: 10, visibilitySeconds: 30)
            let leased = try #require(leases.first)
            #expect(leases.count == 1)
            #expect(leased.id == sent.id)
            #expect(leased.attempts == 1)
            #expect(leased.provider == nil)
            #expect(leased.deadline >= now + 29_000)
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(leased.email)) as? [String: Any])
            #expect(stored["subject"] as? String == "Hello 0")
            #expect(stored["message_id"] is String)

            let status = try await client.status(sent.id)
            #expect(status.state == .leased)
            #expect(status.lease?.token == leased.token)

            let renewal = try await client.touch(id: leased.id, token: leased.token, seconds: 600)
            #expect(renewal.deadline >= now + 599_000)
            #expect(!renewal.cancelRequested)

            try await client.complete(
                id: leased.id,
                token: leased.token,
                results: [RecipientResult(address: "ann0@example.com", accepted: true, code: 250, reply: "2.0.0 OK")]
            )
            let done = try await client.status(sent.id)
            #expect(done.state == .sent)
            #expect(done.recipients == [RecipientResult(address: "ann0@example.com", accepted: true, code: 250, reply: "2.0.0 OK")])
            #expect(try await client.lease(max: 10, visibilitySeconds: 30).isEmpty)
            try await client.close()
        }
    }

    @Test func retriesLaterWithADelayAndAProvider() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            let failure = DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later", provider: "smtp-1")
            let state = try await client.retry(
                id: leased.id,
                token: leased.token,
                error: failure,
                results: [RecipientResult(address: "ann0@example.com", accepted: false, code: 451, reply: "4.3.0 try later")],
                delayMilliseconds: 60_000,
                provider: 1
            )
            #expect(state == .scheduled)
            let status = try await client.status(sent.id)
            #expect(status.state == .scheduled)
            #expect(status.provider == 1)
            #expect(status.lastError?.code == .smtpTemporary)
            #expect(status.lastError?.text == "451 4.3.0 try later")
            #expect(status.lastError?.provider == "smtp-1")
            #expect(status.lastError?.at != nil)
            #expect(status.recipients.first?.code == 451)

            try await client.close()
        }
    }

    @Test func retryingAtOnceMakesTheEmailReadyAgain() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            _ = try await client.send(sampleEmail())
            let first = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            let state = try await client.retry(
                id: first.id, token: first.token, error: DeliveryFailure(code: DeliveryFailure.Code("BUSY"), text: "busy"), delayMilliseconds: 0)
            #expect(state == .ready)
            let second = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(second.id == first.id)
            #expect(second.attempts == 2)
            #expect(second.token != first.token)
            try await client.close()
        }
    }

    @Test func failsAnEmailForGood() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            try await client.fail(id: leased.id, token: leased.token, error: DeliveryFailure(code: .smtpPermanent, text: "550 5.1.1 no such user"))
            let status = try await client.status(sent.id)
            #expect(status.state == .failed)
            #expect(status.lastError?.code == .smtpPermanent)
            #expect(status.finishedAt != nil)
            try await client.close()
        }
    }

    @Test func anExpiredLeasesTokenIsStale() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            _ = try await client.send(sampleEmail())
            let expired = try #require(try await client.lease(max: 1, visibilitySeconds: 1).first)
            try await Task.sleep(for: .milliseconds(1500))
            let current = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(current.id == expired.id)
            #expect(current.token != expired.token)

            let failure = DeliveryFailure(code: DeliveryFailure.Code("X"), text: "x")
            #expect(await clientError { try await client.complete(id: expired.id, token: expired.token) }?.code == .staleToken)
            #expect(await clientError { _ = try await client.touch(id: expired.id, token: expired.token, seconds: 30) }?.code == .staleToken)
            #expect(await clientError { _ = try await client.retry(id: expired.id, token: expired.token, error: failure) }?.code == .staleToken)
            #expect(await clientError { try await client.fail(id: expired.id, token: expired.token, error: failure) }?.code == .staleToken)
            // The stale reports changed nothing: the current lease still completes.
            #expect(try await client.status(current.id).state == .leased)
            try await client.complete(id: current.id, token: current.token)
            #expect(try await client.status(current.id).state == .sent)
            try await client.close()
        }
    }

    @Test func touchReportsACancelRequest() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(try await client.cancel(sent.id) == .cancelRequested)
            #expect(try await client.touch(id: leased.id, token: leased.token, seconds: 30).cancelRequested)
            #expect(
                try await client.retry(id: leased.id, token: leased.token, error: DeliveryFailure(code: DeliveryFailure.Code("X"), text: "x"))
                    == .cancelled)
            #expect(try await client.status(sent.id).state == .cancelled)
            try await client.close()
        }
    }

    @Test func outOfRangeArgumentsAreRefused() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            #expect(await clientError { _ = try await client.lease(max: 0, visibilitySeconds: 30) }?.code == .invalidArgument)
            #expect(await clientError { _ = try await client.lease(max: 1, visibilitySeconds: 3601) }?.code == .invalidArgument)
            #expect(await clientError { try await client.complete(id: "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59", token: 1) }?.code == .notFound)
            try await client.close()
        }
    }
}
