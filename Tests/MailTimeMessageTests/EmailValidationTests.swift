@testable import MailTimeMessage
import Testing

/// Each validation rule of the JSON form, with the code and the field the sentence names.
@Suite struct EmailValidationTests {
    /// A valid email with `extra` spliced in (a JSON fragment of members, or nothing).
    static func json(_ extra: String = "", base: String = #""to": "bob@example.com", "text": "hi""#) -> [UInt8] {
        Array("{\(base)\(extra.isEmpty ? "" : ", " + extra)}".utf8)
    }

    static func error(_ bytes: [UInt8], limits: Email.Limits = Email.Limits()) -> EmailValidationError? {
        do {
            _ = try Email(json: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalEmailDecodesWithDefaults() throws {
        let email = try Email(json: Self.json())
        #expect(email.to == [try EmailAddress("bob@example.com")])
        #expect(email.text == "hi")
        #expect(email.from == nil)
        #expect(email.priority == 128)
        #expect(email.fold == false)
        #expect(email.sendAt == nil)
        #expect(email.attachments.isEmpty)
    }

    @Test func fullEmailDecodes() throws {
        let email = try Email(
            json: Array(
                #"""
                {"from": "Ann <ann@example.com>", "to": ["a@example.org", "B <b@example.org>"], "cc": "c@example.org",
                 "bcc": ["d@example.org"], "reply_to": "r@example.com", "subject": "S", "text": "T", "html": "<p>H</p>",
                 "headers": {"X-One": "1", "List-Unsubscribe": "<mailto:u@example.com>"},
                 "attachments": [{"filename": "f.txt", "content": "aGk=", "content_type": "text/plain"},
                                 {"filename": "i.png", "content": "AAEC", "content_id": "<img1@x>"}],
                 "send_at": "2026-12-01T10:00:00Z", "idempotency_key": "order-42", "priority": 0,
                 "variables": {"name": "Ann", "order-id": "42"}, "tags": ["receipt", "eu"], "fold": true,
                 "template": "<div>{{{html}}}</div>", "message_id": "<x@example.com>"}
                """#.utf8))
        #expect(email.from == (try EmailAddress(address: "ann@example.com", displayName: "Ann")))
        #expect(email.to.map(\.address) == ["a@example.org", "b@example.org"])
        #expect(email.cc.map(\.address) == ["c@example.org"])
        #expect(email.bcc.map(\.address) == ["d@example.org"])
        #expect(email.replyTo.map(\.address) == ["r@example.com"])
        #expect(email.headers == [Email.Header(name: "X-One", value: "1"), Email.Header(name: "List-Unsubscribe", value: "<mailto:u@example.com>")])
        #expect(email.attachments[0] == Email.Attachment(filename: "f.txt", content: Array("hi".utf8), contentType: "text/plain"))
        #expect(email.attachments[1].contentType == "application/octet-stream")
        #expect(email.attachments[1].contentID == "img1@x")
        #expect(email.attachments[1].content == [0, 1, 2])
        #expect(email.sendAt == 1_796_119_200_000)
        #expect(email.idempotencyKey == "order-42")
        #expect(email.priority == 0)
        #expect(email.variables == ["name": "Ann", "order-id": "42"])
        #expect(email.tags == ["receipt", "eu"])
        #expect(email.fold)
        #expect(email.template == "<div>{{{html}}}</div>")
        #expect(email.messageID == "<x@example.com>")
        #expect(email.recipients.count == 4)
    }

    @Test func idnDomainsAreStoredAsALabels() throws {
        let email = try Email(json: Self.json(#""from": "Ann <ann@Bücher.example>""#, base: #""to": ["bob@例子.广告"], "text": "hi""#))
        #expect(email.from?.address == "ann@xn--bcher-kva.example")
        #expect(email.to.map(\.address) == ["bob@xn--fsqu00a.xn--4rr70v"])
        let stored = String(decoding: email.jsonBytes(), as: UTF8.self)
        #expect(stored.contains(#""from":"\"Ann\" <ann@xn--bcher-kva.example>""#))
        #expect(stored.contains(#""to":["bob@xn--fsqu00a.xn--4rr70v"]"#))
    }

    @Test func aFromOfOneElementIsAccepted() throws {
        #expect(try Email(json: Self.json(#""from": ["ann@example.com"]"#)).from?.address == "ann@example.com")
    }

    @Test func nullMeansAbsent() throws {
        let email = try Email(json: Self.json(#""cc": null, "subject": null, "priority": null"#))
        #expect(email.cc.isEmpty)
        #expect(email.subject == nil)
        #expect(email.priority == 128)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var json: [UInt8]
        var code: EmailValidationError.Code
        /// Text the sentence must contain: the field's name at least.
        var mentions: String
        var testDescription: String { "\(code): \(String(decoding: json.prefix(120), as: UTF8.self))" }

        init(_ json: [UInt8], _ code: EmailValidationError.Code, _ mentions: String) {
            self.json = json
            self.code = code
            self.mentions = mentions
        }
    }

    static let cases: [Case] = [
        // JSON and shape
        Case(Array("{\"to\": ".utf8), .invalidJSON, "not valid JSON"),
        Case(Array("{\"to\": \"a@b.c\",}".utf8), .invalidJSON, "byte"),
        Case(Array("{\"text\": \"\u{1}\"}".utf8), .invalidJSON, "control character"),
        Case(Array("{\"text\": \"\\ud800\"}".utf8), .invalidJSON, "surrogate"),
        Case([0x7B, 0x22, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], .invalidJSON, "UTF-8"),
        Case(Array("{} {}".utf8), .invalidJSON, "after the JSON value"),
        Case(Array("[1, 2]".utf8), .invalidField, "JSON object"),
        Case(Array("\"text\"".utf8), .invalidField, "JSON object"),
        Case(Array("42".utf8), .invalidField, "the email must be a JSON object, not a number"),
        Case(Array("null".utf8), .invalidField, "the email must be a JSON object, not null"),
        Case(json(#""headers": {"X-A": "1", "X-A": "2"}"#), .invalidField, "headers.X-A: the field appears twice"),
        Case(json(#""variables": {"n": "1", "n": "2"}"#), .invalidField, "variables.n: the field appears twice"),
        Case(
            json(#""attachments": [{"filename": "a", "filename": "b", "content": ""}]"#), .invalidField,
            "attachments[0].filename: the field appears twice"),
        Case(json(#""from": []"#), .invalidField, "from: must be exactly one"),
        Case(json(#""to": "ann@bü☃.example""#, base: #""text": "hi""#), .invalidAddress, "to: "),
        Case(json(#""replyTo": "a@example.com""#), .unknownField, "replyTo"),
        Case(json(#""attachments": [{"filename": "a", "content": "", "size": 1}]"#), .unknownField, "attachments[0].size"),
        Case(json(#""text": "again""#), .invalidField, "text: the field appears twice"),
        Case(json(#""subject": 5"#), .invalidField, "subject: must be a string"),
        Case(json(#""to": 5"#, base: #""text": "hi""#), .invalidField, "to: must be an address"),
        Case(json(#""to": ["a@example.com", 5]"#, base: #""text": "hi""#), .invalidField, "to[1]"),
        Case(json(#""from": ["a@example.com", "b@example.com"]"#), .invalidField, "from: must be exactly one"),
        Case(json(#""priority": 256"#), .invalidField, "priority"),
        Case(json(#""priority": -1"#), .invalidField, "priority"),
        Case(json(#""priority": 1.5"#), .invalidField, "priority"),
        Case(json(#""priority": "1""#), .invalidField, "priority"),
        Case(json(#""fold": 1"#), .invalidField, "fold: must be a boolean"),
        Case(json(#""idempotency_key": """#), .invalidField, "idempotency_key"),
        Case(json("\"idempotency_key\": \"\(String(repeating: "k", count: 256))\""), .invalidField, "idempotency_key"),
        Case(json(#""tags": "one""#), .invalidField, "tags: must be an array"),
        Case(json(#""tags": ["ok", ""]"#), .invalidField, "tags[1]"),
        Case(json(#""variables": {"bad key": "x"}"#), .invalidField, "variables.bad key"),
        Case(json(#""variables": {"n": 1}"#), .invalidField, "variables.n: must be a string"),
        Case(json(#""headers": ["X-A: b"]"#), .invalidField, "headers: must be an object"),
        Case(json(#""message_id": "no-brackets@example.com""#), .invalidField, "message_id"),
        Case(json(#""message_id": "<nodomain>""#), .invalidField, "message_id"),
        Case(json(#""subject": "bell \u0007""#), .invalidField, "subject"),
        // Addresses and recipients
        Case(
            json(#""to": ["a@example.com", "c@example.com", "bob@"]"#, base: #""text": "hi""#), .invalidAddress,
            #"to[2]: "bob@" is not a valid address (RFC 5321)"#),
        Case(json(#""from": "not an address""#), .invalidAddress, "from: "),
        Case(json(#""cc": "x@@example.com""#), .invalidAddress, "cc: "),
        Case(json(#""bcc": ["ok@example.com", "a..b@example.com"]"#), .invalidAddress, "bcc[1]"),
        Case(json(#""reply_to": "r@exa mple.com""#), .invalidAddress, "reply_to: "),
        Case(json(base: #""text": "hi""#), .noRecipient, "to, cc, bcc"),
        Case(json(#""to": [], "cc": []"#, base: #""text": "hi""#), .noRecipient, "recipient"),
        Case(json(base: #""to": "a@example.com""#), .noBody, "text, html"),
        // Header injection and headers
        Case(json(#""subject": "Hi\r\nBcc: victim@example.com""#), .headerInjection, "subject"),
        Case(json(#""subject": "Hi\nX: y""#), .headerInjection, "subject"),
        Case(json(#""from": "Evil\r\nBcc: v@example.com <e@example.com>""#), .headerInjection, "from"),
        Case(json(#""to": ["a@example.com", "\"Name\nX: y\" <b@example.com>"]"#, base: #""text": "hi""#), .headerInjection, "to[1]"),
        Case(json(#""headers": {"X-Evil": "a\r\nBcc: v@example.com"}"#), .headerInjection, "headers.X-Evil"),
        Case(json(#""headers": {"X-Evil": "a\rb"}"#), .headerInjection, "headers.X-Evil"),
        Case(json(#""attachments": [{"filename": "a\r\nX: y.txt", "content": ""}]"#), .headerInjection, "attachments[0].filename"),
        Case(json(#""attachments": [{"filename": "a", "content": "", "content_id": "x\n@y"}]"#), .headerInjection, "attachments[0].content_id"),
        Case(json(#""message_id": "<a@b>\r\nX: y""#), .headerInjection, "message_id"),
        Case(json(#""headers": {"X Space": "v"}"#), .invalidHeader, "X Space"),
        Case(json(#""headers": {"X:Colon": "v"}"#), .invalidHeader, "X:Colon"),
        Case(json(#""headers": {"": "v"}"#), .invalidHeader, "headers"),
        Case(json(#""headers": {"Ünï": "v"}"#), .invalidHeader, "Ünï"),
        Case(json(#""headers": {"X-Nul": "a\u0000b"}"#), .invalidHeader, "headers.X-Nul"),
        Case(json("\"headers\": {\"X-Long\": \"\(String(repeating: "w", count: 901))\"}"), .invalidHeader, "headers.X-Long"),
        Case(json(#""headers": {"Subject": "v"}"#), .reservedHeader, "headers.Subject"),
        Case(json(#""headers": {"bcc": "v@example.com"}"#), .reservedHeader, "headers.bcc"),
        Case(json(#""headers": {"Content-Type": "text/html"}"#), .reservedHeader, "headers.Content-Type"),
        Case(json(#""headers": {"MESSAGE-ID": "<a@b>"}"#), .reservedHeader, "headers.MESSAGE-ID"),
        // Attachments
        Case(json(#""attachments": [{"filename": "a.bin", "content": "not base64!"}]"#), .invalidAttachment, "attachments[0].content"),
        Case(json(#""attachments": [{"filename": "a.bin", "content": "QQ="}]"#), .invalidAttachment, "attachments[0].content"),
        Case(json(#""attachments": [{"filename": "a.bin", "content": "QQ==QUJD"}]"#), .invalidAttachment, "attachments[0].content"),
        Case(json(#""attachments": [{"filename": "a.bin", "content": "Q==="}]"#), .invalidAttachment, "attachments[0].content"),
        Case(json(#""attachments": [{"content": "QUJD"}]"#), .invalidAttachment, "attachments[0].filename"),
        Case(json(#""attachments": [{"filename": "a"}]"#), .invalidAttachment, "attachments[0].content"),
        Case(json(#""attachments": [{"filename": "", "content": ""}]"#), .invalidAttachment, "attachments[0].filename"),
        Case(json(#""attachments": [{"filename": "a\u0000b", "content": ""}]"#), .invalidAttachment, "attachments[0].filename"),
        Case(json(#""attachments": [{"filename": "a", "content": "", "content_type": "image"}]"#), .invalidAttachment, "attachments[0].content_type"),
        Case(
            json(#""attachments": [{"filename": "a", "content": "", "content_type": "image/png; x=y"}]"#), .invalidAttachment,
            "attachments[0].content_type"),
        Case(
            json(#""attachments": [{"filename": "a", "content": "", "content_type": "image/"}]"#), .invalidAttachment, "attachments[0].content_type"),
        Case(json(#""attachments": [{"filename": "a", "content": "", "content_id": "two words"}]"#), .invalidAttachment, "attachments[0].content_id"),
        Case(json(#""attachments": [{"filename": "a", "content": ""}, "x"]"#), .invalidField, "attachments[1]: must be an object"),
        // send_at
        Case(json(#""send_at": "tomorrow""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": "2026-02-30T10:00:00Z""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": "2026-12-01T24:00:00Z""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": "2026-12-01T10:00:00""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": "2026-12-01T10:00:00+0100""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": "2026-12-01""#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": 1.5e12"#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": -1"#), .invalidSendAt, "send_at"),
        Case(json(#""send_at": true"#), .invalidSendAt, "send_at"),
    ]

    @Test(arguments: cases)
    func refusesWithCodeNamingTheField(_ testCase: Case) throws {
        let error = try #require(Self.error(testCase.json))
        #expect(error.code == testCase.code, "\(error)")
        #expect(error.message.contains(testCase.mentions), "\(error)")
        #expect(!error.message.contains("\n") && !error.message.contains("\r"))
    }

    @Test(
        arguments: [
            ("2026-12-01T10:00:00Z", 1_796_119_200_000),
            ("2026-12-01t10:00:00z", 1_796_119_200_000),
            ("2026-12-01 10:00:00Z", 1_796_119_200_000),
            ("2026-12-01T11:30:00+01:30", 1_796_119_200_000),
            ("2026-12-01T05:00:00-05:00", 1_796_119_200_000),
            ("2026-12-01T10:00:00.5Z", 1_796_119_200_500),
            ("2026-12-01T10:00:00.123456789Z", 1_796_119_200_123),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("1970-01-01T00:00:00Z", 0),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000),
        ] as [(String, Int64)])
    func sendAtInRFC3339(_ text: String, milliseconds: Int64) throws {
        let email = try Email(json: Self.json("\"send_at\": \"\(text)\""))
        #expect(email.sendAt == milliseconds)
    }

    @Test func sendAtInUnixMilliseconds() throws {
        #expect(try Email(json: Self.json(#""send_at": 1796119200000"#)).sendAt == 1_796_119_200_000)
        #expect(try Email(json: Self.json(#""send_at": 0"#)).sendAt == 0)
    }

    @Test func sizeLimitCountsDecodedContent() throws {
        let content = Base64.encode([UInt8](repeating: 1, count: 900))
        let attachment = "\"attachments\": [{\"filename\": \"a\", \"content\": \"\(String(decoding: content, as: UTF8.self))\"}]"
        _ = try Email(json: Self.json(attachment), limits: Email.Limits(maximumSize: 1000))
        let error = try #require(Self.error(Self.json(attachment), limits: Email.Limits(maximumSize: 900)))
        #expect(error.code == .emailTooLarge)
        #expect(error.message.contains("attachments[0].content"))
        #expect(error.message.contains("900"))

        let bigText = Self.json(base: "\"to\": \"a@example.com\", \"text\": \"\(String(repeating: "x", count: 2000))\"")
        #expect(Self.error(bigText, limits: Email.Limits(maximumSize: 1999))?.code == .emailTooLarge)
        #expect(Self.error(bigText, limits: Email.Limits(maximumSize: 2000)) == nil)
    }

    @Test func defaultLimitIs25MB() {
        #expect(Email.Limits().maximumSize == 25 * 1024 * 1024)
    }

    @Test func recipientLimit() throws {
        let to = (0..<3).map { "\"r\($0)@example.com\"" }.joined(separator: ",")
        let bytes = Self.json(base: "\"to\": [\(to)], \"bcc\": \"x@example.com\", \"text\": \"hi\"")
        #expect(Self.error(bytes, limits: Email.Limits(maximumRecipients: 4)) == nil)
        let error = Self.error(bytes, limits: Email.Limits(maximumRecipients: 3))
        #expect(error?.code == .tooManyRecipients)
        #expect(error?.message.contains("4 recipients") == true)
    }

    @Test func wrappedBase64IsAccepted() throws {
        let email = try Email(json: Self.json(#""attachments": [{"filename": "a", "content": "aGVs\r\nbG8g\nd29y bGQ="}]"#))
        #expect(email.attachments[0].content == Array("hello world".utf8))
    }

    @Test func contentIDMayComeWithAngleBrackets() throws {
        let email = try Email(json: Self.json(#""html": "x", "attachments": [{"filename": "a", "content": "", "content_id": "<logo@x>"}]"#))
        #expect(email.attachments[0].contentID == "logo@x")
        #expect(email.attachments[0].isInline)
    }

    @Test func utf8AddressesMarkTheEmail() throws {
        #expect(try Email(json: Self.json(#""cc": "jörg@example.com""#)).needsSMTPUTF8)
        #expect(!(try Email(json: Self.json(#""cc": "Jörg <j@example.com>""#)).needsSMTPUTF8))
    }

    @Test func errorSentencesStayOnOneLineAndShort() throws {
        let hostile = "\\u0007\\u2028" + String(repeating: "A", count: 500)
        let error = try #require(Self.error(Self.json("\"to\": \"\(hostile)@\"", base: "\"text\": \"x\"")))
        #expect(error.code == .invalidAddress)
        #expect(error.message.count < 300)
        #expect(error.message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0 != "\u{2028}" })
    }
}
