@testable import MailTimeMessage
import Testing

@Suite struct EmailJSONTests {
    static func fullEmail() throws -> Email {
        Email(
            from: try EmailAddress("\"Ann \\\"A\\\" Smith, Jr.\" <ann@example.com>"),
            to: [try EmailAddress("a@example.org"), try EmailAddress("Bé <b@example.org>")],
            cc: [try EmailAddress("\"quoted local\"@example.org")],
            bcc: [try EmailAddress("jörg@bücher.example")],
            replyTo: [try EmailAddress("r@[192.0.2.1]")],
            subject: "Ünïcode \"quotes\" \\ and\ttab",
            text: "line 1\nline 2\r\n\u{0}nul\u{1F600}",
            html: "<p>{{name}}</p>",
            headers: [Email.Header(name: "X-B", value: "2"), Email.Header(name: "X-A", value: "1"), Email.Header(name: "x-a", value: "again")],
            attachments: [
                Email.Attachment(filename: "a.bin", content: (0...255).map(UInt8.init)),
                Email.Attachment(filename: "i.png", content: [], contentType: "image/png", contentID: "i@x"),
            ],
            sendAt: 1_796_119_200_123,
            idempotencyKey: "key-1",
            priority: 7,
            variables: ["name": "Ann", "z": "last", "a": "first"],
            tags: ["t1", "t2"],
            fold: true,
            template: "<div>{{{html}}}</div>",
            messageID: "<id@example.com>"
        )
    }

    @Test func fullEmailRoundTripsExactly() throws {
        let email = try Self.fullEmail()
        let bytes = email.jsonBytes()
        let decoded = try Email(json: bytes)
        #expect(decoded == email)
        #expect(decoded.jsonBytes() == bytes)
    }

    @Test func storedFormReadsBackWithoutChecks() throws {
        let email = try Self.fullEmail()
        #expect(try Email(storedJSON: email.jsonBytes()) == email)
        let minimal = Email(to: [try EmailAddress("a@example.com")], text: "")
        #expect(try Email(storedJSON: minimal.jsonBytes()) == minimal)
    }

    @Test func storedFormReadsEveryShapeTheCheckedDecoderReads() throws {
        let input = #"""
            {"to": "Bob <bob@example.com>", "cc": ["\"Quoted, Name\" <c@example.com>", "d@example.com"],
             "html": "<b>x</b>", "send_at": "2026-12-01T11:00:00+01:00",
             "attachments": [{"filename": "a", "content": "aGVs\nbG8=", "content_id": "<i@x>"}], "priority": 128}
            """#
        #expect(try Email(storedJSON: Array(input.utf8)) == Email(json: Array(input.utf8)))
    }

    @Test func storedFormRefusesWhatIsNotAnEmail() {
        #expect(throws: EmailValidationError.self) { try Email(storedJSON: Array("[1]".utf8)) }
        #expect(throws: EmailValidationError.self) { try Email(storedJSON: Array(#"{"to": 1}"#.utf8)) }
        #expect(throws: EmailValidationError.self) { try Email(storedJSON: Array(#"{"colour": "red"}"#.utf8)) }
    }

    @Test func minimalEmailRoundTripsExactly() throws {
        let email = Email(to: [try EmailAddress("a@example.com")], text: "")
        #expect(String(decoding: email.jsonBytes(), as: UTF8.self) == #"{"to":["a@example.com"],"text":""}"#)
        #expect(try Email(json: email.jsonBytes()) == email)
    }

    @Test func decodedInputRoundTrips() throws {
        let input = #"""
            {"to": "Bob <bob@example.com>", "html": "<b>x</b>", "send_at": "2026-12-01T11:00:00+01:00",
             "attachments": [{"filename": "a", "content": "aGVs\nbG8="}], "priority": 128}
            """#
        let email = try Email(json: Array(input.utf8))
        let canonical = email.jsonBytes()
        #expect(try Email(json: canonical) == email)
        #expect(String(decoding: canonical, as: UTF8.self).contains(#""send_at":1796119200000"#))
        #expect(String(decoding: canonical, as: UTF8.self).contains(#""content":"aGVsbG8=""#))
    }

    @Test func canonicalFormEscapesControlCharacters() throws {
        let email = Email(to: [try EmailAddress("a@example.com")], text: "\u{0}\u{1F}\"\\\n\r\t")
        let json = String(decoding: email.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""text":"\u0000\u001f\"\\\n\r\t""#))
        #expect(try Email(json: email.jsonBytes()) == email)
    }

    @Test func messageIDsAreRandomAndWellFormed() {
        let first = Email.generateMessageID(domain: "example.com")
        let second = Email.generateMessageID(domain: "example.com")
        #expect(first != second)
        #expect(first.hasPrefix("<") && first.hasSuffix("@example.com>"))
        #expect(first.count == "<@example.com>".count + 32)
        #expect(first.dropFirst().prefix(32).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(Set((0..<64).map { _ in Email.generateMessageID(domain: "example.com") }).count == 64)
        #expect(Email.isMessageID(first))
        #expect(Email.generateMessageID(domain: "bücher.example").hasSuffix("@mailtime.invalid>"))
        #expect(Email.generateMessageID(domain: "[192.0.2.1]").hasSuffix("@mailtime.invalid>"))
    }

    @Test func emailMadeInCodeWithGeneratedIDSurvivesStorage() throws {
        var email = Email(from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")], text: "x")
        email.messageID = Email.generateMessageID(domain: email.from!.domain)
        let stored = try Email(json: email.jsonBytes())
        #expect(stored.messageID == email.messageID)
    }

    @Test func recipientsAreUniqueIgnoringTheDomainsCase() throws {
        let email = Email(
            to: [try EmailAddress("a@example.com"), try EmailAddress("b@example.com")],
            cc: [try EmailAddress("Ann <a@EXAMPLE.com>")],
            bcc: [try EmailAddress("c@example.com"), try EmailAddress("B@example.com"), try EmailAddress("b@example.com")]
        )
        #expect(email.recipients.map(\.address) == ["a@example.com", "b@example.com", "c@example.com", "B@example.com"])
    }
}
