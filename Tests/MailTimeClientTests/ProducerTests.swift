import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

@Suite("Producer commands", .timeLimit(.minutes(2)))
struct ProducerTests {
    @Test func sendsAnEmailAndReportsItsStatus() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var email = try sampleEmail()
            email.priority = 7
            email.idempotencyKey = "status-test"
            let sent = try await client.send(email)
            #expect(!sent.isDuplicate)
            #expect(UUID(uuidString: sent.id) != nil)
            #expect(sent.id == sent.id.lowercased())

            let status = try await client.status(sent.id)
            #expect(status.id == sent.id)
            #expect(status.state == .ready)
            #expect(status.priority == 7)
            #expect(status.attempts == 0)
            #expect(status.idempotencyKey == "status-test")
            #expect(status.notBefore != nil)
            #expect(status.createdAt > 1_700_000_000_000)
            #expect(status.lease == nil)
            #expect(status.json.hasPrefix("{") && status.json.contains(#""id":"\#(sent.id)""#))
            try await client.close()
        }
    }

    @Test func sendsRawJSON() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let json = #"{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"Hello,\nAnn."}"#
            let sent = try await client.send(Array(json.utf8))
            #expect(try await client.status(sent.id).state == .ready)
            try await client.close()
        }
    }

    @Test func aRepeatedIdempotencyKeyIsADuplicate() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var email = try sampleEmail()
            email.idempotencyKey = "order-42"
            let first = try await client.send(email)
            let second = try await client.send(email)
            #expect(second.isDuplicate)
            #expect(second.id == first.id)
            #expect(try await client.stats().counts[.ready] == 1)
            try await client.close()
        }
    }

    static let refusedEmails: [(json: String, code: MailTimeClientError.Code)] = [
        (#"{"from":"app@example.com","to":["ann@example.com","bob@"],"text":"x"}"#, .invalidAddress),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"x","colour":"red"}"#, .unknownField),
        (#"{"from":"app@example.com","text":"x"}"#, .noRecipient),
        (#"{"from":"app@example.com","to":"ann@example.com","subject":"x"}"#, .noBody),
        (#"{"to":"ann@example.com","text":"x"}"#, .noSender),
        (#"{"from":"app@example.com","to":"ann@example.com","subject":"Hi\r\nBcc: eve@example.com","text":"x"}"#, .headerInjection),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"x","headers":{"From":"eve@example.com"}}"#, .reservedHeader),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"x","attachments":[{"filename":"a.txt","content":"***"}]}"#, .invalidAttachment),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"x","send_at":"2999-01-01T00:00:00Z"}"#, .invalidSendAt),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"x","priority":"high"}"#, .invalidField),
        (#"{"from":"app@example.com","to":"ann@example.com","text":"#, .invalidJSON),
    ]

    @Test(arguments: refusedEmails)
    func aRefusedEmailReachesTheClientWithItsCode(json: String, code: MailTimeClientError.Code) async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let error = await clientError { _ = try await client.send(Array(json.utf8)) }
            #expect(error?.code == code)
            #expect(error?.isBrokerReply == true)
            #expect(error?.message.isEmpty == false)
            // Nothing was stored, and the connection goes on.
            let stats = try await client.stats()
            #expect(stats.counts.values.reduce(0, +) == 0)
            try await client.close()
        }
    }

    @Test func aBatchIsAnsweredPerEmailInOrder() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let good = try (1...5).map { try sampleEmail($0).jsonBytes() }
            var batch = good
            batch.insert(Array(Self.refusedEmails[0].json.utf8), at: 1)
            batch.insert(Array(Self.refusedEmails[2].json.utf8), at: 4)
            let results = await client.send(batch: batch)
            #expect(results.count == 7)
            #expect((try? results[1].get()) == nil)
            #expect((try? results[4].get()) == nil)
            if case .failure(let error) = results[1] { #expect(error.code == .invalidAddress) }
            if case .failure(let error) = results[4] { #expect(error.code == .noRecipient) }
            // The others are queued, each under its own id, in the order sent.
            let ids = try [0, 2, 3, 5, 6].map { try results[$0].get().id }
            #expect(Set(ids).count == 5)
            #expect(ids == ids.sorted())
            #expect(try await client.stats().counts[.ready] == 5)
            #expect(await client.send(batch: []).isEmpty)
            try await client.close()
        }
    }

    @Test func aBatchOnAClosedConnectionFailsEveryEmail() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            try await client.close()
            let results = await client.send(batch: [try sampleEmail(1).jsonBytes(), try sampleEmail(2).jsonBytes()])
            #expect(results.count == 2)
            for result in results {
                guard case .failure(let error) = result else {
                    Issue.record("an email was sent on a closed connection")
                    continue
                }
                #expect(error.code == .connectionClosed)
            }
        }
    }

    @Test func anEmailOverTheSizeLimitIsRefusedAndTheConnectionGoesOn() async throws {
        try await TestBroker.run({ $0.maximumEmailSize = 1024 }) { broker in
            let client = try await broker.connect()
            #expect(client.greeting.maximumPayloadSize == 1024)
            var email = try sampleEmail()
            email.text = String(repeating: "x", count: 2000)
            #expect(await clientError { _ = try await client.send(email) }?.code == .emailTooLarge)
            let sent = try await client.send(sampleEmail())
            #expect(try await client.status(sent.id).state == .ready)
            try await client.close()
        }
    }

    @Test func aLaterSendTimeSchedulesTheEmail() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let later = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
            var byMilliseconds = try sampleEmail(1)
            byMilliseconds.sendAt = later
            var tooFar = try sampleEmail(2)
            tooFar.sendAt = 4_102_444_800_000  // 2100-01-01T00:00:00Z
            var past = try sampleEmail(3)
            past.sendAt = 978_307_200_000  // 2001-01-01T00:00:00Z

            let scheduled = try await client.status(try await client.send(byMilliseconds).id)
            #expect(scheduled.state == .scheduled)
            #expect(scheduled.notBefore == later)
            let error = await clientError { _ = try await client.send(tooFar) }
            #expect(error?.code == .invalidSendAt)
            #expect(try await client.status(try await client.send(past).id).state == .ready)
            try await client.close()
        }
    }

    @Test func cancelsAWaitingEmailOnce() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            #expect(try await client.cancel(sent.id) == .cancelled)
            let status = try await client.status(sent.id)
            #expect(status.state == .cancelled)
            #expect(status.finishedAt != nil)
            #expect(await clientError { _ = try await client.cancel(sent.id) }?.code == .invalidState)
            #expect(await clientError { _ = try await client.cancel("0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59") }?.code == .notFound)
            #expect(await clientError { _ = try await client.status("0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59") }?.code == .notFound)
            #expect(await clientError { _ = try await client.cancel("not-an-id") }?.code == .badArguments)
            try await client.close()
        }
    }

    @Test func pipelinesManyConcurrentSendsOnOneConnection() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let count = 500
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for number in 0..<count {
                    group.addTask { try await client.send(sampleEmail(number)).id }
                }
                var ids: Set<String> = []
                for try await id in group { ids.insert(id) }
                return ids
            }
            #expect(ids.count == count)
            // Replies of different shapes interleaved on the same connection stay matched.
            let sample = Array(ids.prefix(50))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in sample {
                    group.addTask {
                        let status = try await client.status(id)
                        #expect(status.id == id)
                    }
                    group.addTask {
                        let jobs = try await client.list(state: .ready, limit: 3)
                        #expect(jobs.count == 3)
                    }
                    group.addTask { try await client.ping() }
                }
                try await group.waitForAll()
            }
            #expect(try await client.stats().counts[.ready] == count)
            try await client.close()
        }
    }
}
