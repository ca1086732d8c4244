import Testing

@testable import MailTimeClient

@Suite("OutgoingEmail")
struct OutgoingEmailTests {
    @Test func aSmallEmailHasOnlyItsFields() {
        let email = OutgoingEmail(from: "app@example.com", to: ["ann@example.com"], subject: "Hi", text: "Hello, Ann.")
        #expect(String(decoding: email.jsonBytes, as: UTF8.self) == #"{"from":"app@example.com","subject":"Hi","text":"Hello, Ann.","to":["ann@example.com"]}"#)
    }

    @Test func everyFieldHasItsProtocolName() throws {
        var email = OutgoingEmail(from: "a@example.com", to: ["b@example.com"], cc: ["c@example.com"], bcc: ["d@example.com"], html: "<p>x</p>")
        email.replyTo = ["e@example.com"]
        email.headers = ["X-A": "1"]
        email.attachments = [.init(filename: "a.bin", content: [0, 1, 2], contentType: "application/octet-stream", contentID: "a")]
        email.sendAt = .unixMilliseconds(1_764_400_000_000)
        email.idempotencyKey = "k"
        email.priority = 0
        email.variables = ["v": "w"]
        email.template = "<main>{{{html}}}</main>"
        email.tags = ["t"]
        email.fold = true
        let value = try JSONReader.parse(email.jsonBytes)
        #expect(value["reply_to"] == .array([.string("e@example.com")]))
        #expect(value["attachments"] == .array([.object([
            "filename": .string("a.bin"), "content": .string("AAEC"),
            "content_type": .string("application/octet-stream"), "content_id": .string("a"),
        ])]))
        #expect(value["send_at"] == .integer(1_764_400_000_000))
        #expect(value["idempotency_key"] == .string("k"))
        #expect(value["priority"] == .integer(0))
        #expect(value["variables"] == .object(["v": .string("w")]))
        #expect(value["template"] == .string("<main>{{{html}}}</main>"))
        #expect(value["fold"] == .bool(true))
        #expect(value["headers"] == .object(["X-A": .string("1")]))
        email.sendAt = .rfc3339("2026-11-29T20:00:00Z")
        #expect(try JSONReader.parse(email.jsonBytes)["send_at"] == .string("2026-11-29T20:00:00Z"))
    }

    @Test func theGreetingIgnoresUnknownFields() throws {
        let greeting = try BrokerGreeting(line: "OK mailtime 1 max_line=100 colour=blue max_payload=2000 max_inflight=8")
        #expect(greeting.protocolVersion == 1)
        #expect(greeting.maximumLineLength == 100)
        #expect(greeting.maximumPayloadSize == 2000)
        #expect(greeting.maximumInFlight == 8)
        #expect(throws: MailTimeClientError.self) { try BrokerGreeting(line: "220 smtp.example.com ESMTP") }
    }
}
