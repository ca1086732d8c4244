import Foundation
import MailTimeClient
import Testing

@Suite("Producer commands", .timeLimit(.minutes(2)))
struct ProducerTests {
    @Test func sendsAnEmailAndReportsItsStatus() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var email = sampleEmail()
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
            var email = sampleEmail()
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

    @Test func anEmailOverTheSizeLimitIsRefusedAndTheConnectionGoesOn() async throws {
        try await TestBroker.run({ $0.maximumEmailSize = 1024 }) { broker in
            let client = try await broker.connect()
            #expect(client.greeting.maximumPayloadSize == 1024)
            var email = sampleEmail()
            email.text = String(repeating: "x", count: 2000)
            #expect(await clientError { _ = try await client.send(email) }?.code == .emailTooLarge)
            let sent = try await client.send(sampleEmail())
            #expect(try await client.status(sent.id).state == .ready)
            try await client.close()
        }
    }

    @Test func everyFieldOfAnOutgoingEmailIsSent() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var email = OutgoingEmail(
                from: "App <app@example.com>",
                to: ["ann@example.com"],
                cc: ["cat@example.com"],
                bcc: ["dan@example.com"],
                subject: "Über {{name}}",
                text: "Hello, {{name}}.",
                html: "<p>Hello, {{name}}. <img src=\"cid:logo\"></p>"
            )
            email.replyTo = ["help@example.com"]
            email.headers = ["X-Campaign": "spring"]
            email.attachments = [
                .init(filename: "notes.txt", content: Array("some notes\n".utf8), contentType: "text/plain"),
                .init(filename: "logo.png", content: [0x89, 0x50, 0x4E, 0x47], contentType: "image/png", contentID: "logo"),
            ]
            email.idempotencyKey = "every-field"
            email.priority = 3
            email.variables = ["name": "Ann & Bob"]
            email.tags = ["welcome", "spring"]
            email.template = "<main>{{{html}}}</main>"
            email.fold = true
            let sent = try await client.send(email)

            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(leased.id == sent.id)
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(leased.email)) as? [String: Any])
            #expect(stored["subject"] as? String == "Über {{name}}")
            #expect(stored["cc"] as? [String] == ["cat@example.com"])
            #expect(stored["bcc"] as? [String] == ["dan@example.com"])
            #expect(stored["reply_to"] as? [String] == ["help@example.com"])
            #expect(stored["html"] as? String == "<p>Hello, {{name}}. <img src=\"cid:logo\"></p>")
            #expect(stored["template"] as? String == "<main>{{{html}}}</main>")
            #expect(stored["idempotency_key"] as? String == "every-field")
            #expect(stored["fold"] as? Bool == true)
            #expect((stored["attachments"] as? [[String: Any]])?.count == 2)
            #expect((stored["headers"] as? [String: String])?["X-Campaign"] == "spring")
            #expect((stored["variables"] as? [String: String])?["name"] == "Ann & Bob")
            #expect(stored["tags"] as? [String] == ["welcome", "spring"])
            #expect(stored["priority"] as? Int == 3)
            #expect(stored["message_id"] != nil)
            try await client.close()
        }
    }

    @Test func aLaterSendTimeSchedulesTheEmail() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let later = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
            var byMilliseconds = sampleEmail(1)
            byMilliseconds.sendAt = .unixMilliseconds(later)
            var byText = sampleEmail(2)
            byText.sendAt = .rfc3339("2100-01-01T00:00:00Z")
            var past = sampleEmail(3)
            past.sendAt = .rfc3339("2001-01-01T00:00:00Z")

            let scheduled = try await client.status(try await client.send(byMilliseconds).id)
            #expect(scheduled.state == .scheduled)
            #expect(scheduled.notBefore == later)
            let error = await clientError { _ = try await client.send(byText) }
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
