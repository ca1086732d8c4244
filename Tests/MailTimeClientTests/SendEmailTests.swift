import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// `send(_ email: Email)`: what the broker stores is the email that was sent, every field of it.
@Suite("Sending an Email", .timeLimit(.minutes(2)))
struct SendEmailTests {
    /// An email with every field the protocol defines set to a value other than its default.
    static func everyFieldEmail() throws -> Email {
        Email(
            from: try EmailAddress("App <app@example.com>"),
            to: [try EmailAddress("ann@example.com")],
            cc: [try EmailAddress("cat@example.com")],
            bcc: [try EmailAddress("dan@example.com")],
            replyTo: [try EmailAddress("help@example.com")],
            subject: "Über {{name}}",
            text: "Hello, {{name}}.",
            html: "<p>Hello, {{name}}. <img src=\"cid:logo\"></p>",
            headers: [Email.Header(name: "X-Campaign", value: "spring")],
            attachments: [
                Email.Attachment(filename: "notes.txt", content: Array("some notes\n".utf8), contentType: "text/plain"),
                Email.Attachment(filename: "logo.png", content: [0x89, 0x50, 0x4E, 0x47], contentType: "image/png", contentID: "logo"),
                Email.Attachment(filename: "a.bin", content: [0, 1, 2]),
            ],
            sendAt: 978_307_200_000,  // 2001-01-01T00:00:00Z: in the past, so due at once
            idempotencyKey: "every-field",
            priority: 3,
            variables: ["name": "Ann & Bob"],
            tags: ["welcome", "spring"],
            fold: true,
            template: "<main>{{{html}}}</main>"
        )
    }

    @Test func everyFieldIsStoredUnderItsProtocolName() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let email = try Self.everyFieldEmail()
            let sent = try await client.send(email)

            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(leased.id == sent.id)
            // The stored email reads back as the one sent, with the Message-ID the broker gave it.
            var stored = try Email(json: leased.email)
            #expect(stored.messageID != nil)
            stored.messageID = nil
            #expect(stored == email)

            // Each field under its protocol name.
            let json = try #require(try JSONSerialization.jsonObject(with: Data(leased.email)) as? [String: Any])
            #expect(json["from"] as? String == #""App" <app@example.com>"#)
            #expect(json["to"] as? [String] == ["ann@example.com"])
            #expect(json["subject"] as? String == "Über {{name}}")
            #expect(json["cc"] as? [String] == ["cat@example.com"])
            #expect(json["bcc"] as? [String] == ["dan@example.com"])
            #expect(json["reply_to"] as? [String] == ["help@example.com"])
            #expect(json["text"] as? String == "Hello, {{name}}.")
            #expect(json["html"] as? String == "<p>Hello, {{name}}. <img src=\"cid:logo\"></p>")
            #expect(json["template"] as? String == "<main>{{{html}}}</main>")
            #expect(json["idempotency_key"] as? String == "every-field")
            #expect(json["fold"] as? Bool == true)
            #expect(json["send_at"] as? Int64 == 978_307_200_000)
            let attachments = try #require(json["attachments"] as? [[String: String]])
            #expect(attachments.count == 3)
            #expect(
                attachments.last == [
                    "filename": "a.bin", "content": "AAEC", "content_type": "application/octet-stream",
                ])
            #expect(attachments[1]["content_id"] == "logo")
            #expect((json["headers"] as? [String: String])?["X-Campaign"] == "spring")
            #expect((json["variables"] as? [String: String])?["name"] == "Ann & Bob")
            #expect(json["tags"] as? [String] == ["welcome", "spring"])
            #expect(json["priority"] as? Int == 3)
            #expect(json["message_id"] != nil)
            try await client.close()
        }
    }
}
