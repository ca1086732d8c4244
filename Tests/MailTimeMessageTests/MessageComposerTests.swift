import Foundation
@testable import MailTimeMessage
import Testing

@Suite struct MessageComposerTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    static func email(
        text: String? = "Hello",
        html: String? = nil,
        attachments: [Email.Attachment] = [],
        configure: (inout Email) throws -> Void = { _ in }
    ) throws -> Email {
        var email = Email(
            from: try EmailAddress("Sender <sender@example.com>"),
            to: [try EmailAddress("to@example.org")],
            cc: [try EmailAddress("cc@example.org")],
            bcc: [try EmailAddress("Hidden <bcc@example.org>")],
            subject: "Subject",
            text: text,
            html: html,
            attachments: attachments,
            messageID: "<fixed@example.com>"
        )
        try configure(&email)
        return email
    }

    static func compose(_ email: Email, _ composer: MessageComposer = MessageComposer()) throws -> (ComposedMessage, String) {
        let message = try composer.compose(email, date: date)
        return (message, String(decoding: message.bytes, as: UTF8.self))
    }

    /// The header block, unfolded, one field per element.
    static func headers(_ text: String) -> [String] {
        let block = String(text[..<text.range(of: "\r\n\r\n")!.lowerBound])
        return block.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
    }

    /// The multipart content types in order of appearance.
    static func contentTypes(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
            .filter { $0.hasPrefix("Content-Type: ") }
            .map { String($0.dropFirst(14).prefix { $0 != ";" }) }
    }

    let png = Email.Attachment(filename: "p.png", content: [1, 2, 3], contentType: "image/png", contentID: "p@x")
    let pdf = Email.Attachment(filename: "d.pdf", content: [4, 5, 6], contentType: "application/pdf")

    /// The message is written as DATA carries it: a "." before each line that starts with one, in the
    /// text and HTML bodies and in a custom header's name; `bytes` is the message without them.
    @Test func composedDotStuffed() throws {
        let email = try Self.email(
            text: ".hidden\n..two\nmiddle.dot\n" + String(repeating: "w", count: 75) + ".after a soft break",
            html: "<p>\n.x</p>",
            attachments: [pdf]
        ) { $0.headers = [Email.Header(name: ".Dot", value: "v")] }
        let message = try MessageComposer().compose(email, date: Self.date)
        let data = String(decoding: message.data, as: UTF8.self)
        let bytes = String(decoding: message.bytes, as: UTF8.self)
        #expect(data.contains("\r\n..Dot: v\r\n"))
        #expect(data.contains("\r\n\r\n..hidden\r\n...two\r\nmiddle.dot\r\n"))
        #expect(data.contains("=\r\n..after a soft break"))
        #expect(data.contains("\r\n..x</p>"))
        #expect(bytes.contains("\r\n.Dot: v\r\n"))
        #expect(bytes.contains("\r\n\r\n.hidden\r\n..two\r\nmiddle.dot\r\n"))
        #expect(!bytes.contains("\r\n..hidden"))
        // Every line that starts with "." in the data is stuffed, and the data ends in CRLF.
        #expect(message.data == DotStuffing.stuffed(message.bytes))
        #expect(data.hasSuffix("\r\n"))
    }

    @Test func headersInOrderWithoutBcc() throws {
        let (message, text) = try Self.compose(
            try Self.email {
                $0.replyTo = [try EmailAddress("reply@example.com")]
                $0.headers = [Email.Header(name: "X-Campaign", value: "c1")]
            })
        #expect(
            Self.headers(text) == [
                "Date: Wed, 18 Nov 2026 11:06:40 +0000",
                "Message-ID: <fixed@example.com>",
                "From: Sender <sender@example.com>",
                "To: to@example.org",
                "Cc: cc@example.org",
                "Reply-To: reply@example.com",
                "Subject: Subject",
                "X-Campaign: c1",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
            ])
        #expect(!text.lowercased().contains("bcc"))
        #expect(message.recipients.map(\.address) == ["to@example.org", "cc@example.org", "bcc@example.org"])
        #expect(message.from?.address == "sender@example.com")
        #expect(message.messageID == "<fixed@example.com>")
        #expect(!message.needsSMTPUTF8 && !message.needs8BitMIME)
        #expect(text.hasSuffix("\r\n\r\nHello=\r\n"))
    }

    @Test func structureForEachCombination() throws {
        let cases: [(String?, String?, [Email.Attachment], [String])] = [
            ("t", nil, [], ["text/plain"]),
            (nil, "<p>h</p>", [], ["multipart/alternative", "text/plain", "text/html"]),
            ("t", "<p>h</p>", [], ["multipart/alternative", "text/plain", "text/html"]),
            ("t", nil, [pdf], ["multipart/mixed", "text/plain", "application/pdf"]),
            ("t", "<p>h</p>", [pdf], ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"]),
            ("t", "<p>h</p>", [png], ["multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"]),
            (
                nil, "<p>h</p>", [png, pdf],
                ["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png", "application/pdf"]
            ),
            ("t", nil, [png], ["multipart/mixed", "text/plain", "image/png"]),
        ]
        for (text, html, attachments, expected) in cases {
            let (_, message) = try Self.compose(try Self.email(text: text, html: html, attachments: attachments))
            #expect(Self.contentTypes(message) == expected, "text \(text ?? "-") html \(html ?? "-") \(attachments.count)")
        }
    }

    @Test func boundariesAreUniqueAndAbsentFromTheContent() throws {
        let (_, text) = try Self.compose(try Self.email(html: "<p>=_MailTime_ in html</p>", attachments: [png, pdf]))
        let boundaries = text.components(separatedBy: "boundary=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(boundaries.count == 3)
        #expect(Set(boundaries).count == 3)
        for boundary in boundaries {
            // The Content-Type parameter, the delimiters between parts, the closing delimiter.
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines.filter { $0 == "--\(boundary)--" }.count == 1)
            #expect(lines.filter { $0.contains(boundary) && !$0.hasPrefix("--") && !$0.contains("boundary=") }.isEmpty)
        }
        #expect(text.contains("=3D_MailTime_ in html"))
    }

    @Test func inlinePartsCarryContentIDAndDisposition() throws {
        let (_, text) = try Self.compose(try Self.email(html: "<img src=\"cid:p@x\">", attachments: [png, pdf]))
        #expect(text.contains("Content-ID: <p@x>\r\n"))
        #expect(text.contains("Content-Disposition: inline; filename=\"p.png\"\r\n"))
        #expect(text.contains("Content-Disposition: attachment; filename=\"d.pdf\"\r\n"))
        #expect(text.contains("Content-Transfer-Encoding: base64\r\n\r\nAQID\r\n"))
    }

    @Test func nonASCIIFilenamesUseRFC2231() throws {
        let file = Email.Attachment(filename: "résumé.pdf", content: [1])
        let (_, text) = try Self.compose(try Self.email(attachments: [file]))
        #expect(text.contains("filename*=utf-8''r%C3%A9sum%C3%A9.pdf"))
        let words = MIMEPart.parameterWords("attachment", [("filename", String(repeating: "é", count: 100))])
        #expect(words.count > 2)
        #expect(words[1].hasPrefix("filename*0*=utf-8''"))
        #expect(words[2].hasPrefix("filename*1*=%C3%A9"))
        #expect(words.allSatisfy { $0.utf8.count <= 75 })
    }

    @Test func everyLineIsAtMost998AndCRLFTerminated() throws {
        let (_, text) = try Self.compose(
            try Self.email(
                text: String(repeating: "x", count: 3000) + "\n" + String(repeating: "y ", count: 2000),
                html: "<p>" + String(repeating: "z", count: 5000) + "</p>",
                attachments: [Email.Attachment(filename: String(repeating: "n", count: 255), content: [UInt8](repeating: 9, count: 5000))]
            ) {
                $0.subject = String(repeating: "s", count: 1500)
                $0.headers = [Email.Header(name: "X-Long", value: String(repeating: "v", count: 900) + " " + String(repeating: "w", count: 900))]
            })
        #expect(text.hasSuffix("\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 }, "\(lines.map(\.utf8.count).max()!)")
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func messageIDIsTheEmailsOrANewOne() throws {
        let (kept, _) = try Self.compose(try Self.email())
        #expect(kept.messageID == "<fixed@example.com>")
        let (fresh, text) = try Self.compose(try Self.email { $0.messageID = nil })
        #expect(fresh.messageID.hasSuffix("@example.com>"))
        #expect(text.contains("Message-ID: \(fresh.messageID)\r\n"))
    }

    @Test func defaultSenderAppliesWhenTheEmailHasNone() throws {
        let email = try Self.email { $0.from = nil }
        #expect {
            try MessageComposer().compose(email)
        } throws: { error in
            (error as? EmailValidationError)?.code == .noSender
        }
        let composer = MessageComposer(defaultFrom: try EmailAddress("Default <default@example.net>"))
        let (message, text) = try Self.compose(email, composer)
        #expect(message.from?.address == "default@example.net")
        #expect(text.contains("From: Default <default@example.net>\r\n"))
    }

    @Test func emailsMadeInCodeAreCheckedToo() throws {
        let cases: [(EmailValidationError.Code, (inout Email) throws -> Void)] = [
            (
                .noRecipient,
                {
                    $0.to = []
                    $0.cc = []
                    $0.bcc = []
                }
            ),
            (.noBody, { $0.text = nil }),
            (.headerInjection, { $0.subject = "a\r\nBcc: x@example.com" }),
            (.headerInjection, { $0.headers = [Email.Header(name: "X-A", value: "a\nb")] }),
            (.reservedHeader, { $0.headers = [Email.Header(name: "Bcc", value: "x@example.com")] }),
            (.invalidHeader, { $0.headers = [Email.Header(name: "Bad Name", value: "v")] }),
            (.headerInjection, { $0.attachments = [Email.Attachment(filename: "a\r\nb", content: [])] }),
            (.invalidAttachment, { $0.attachments = [Email.Attachment(filename: "a", content: [], contentType: "nope")] }),
            (.invalidAttachment, { $0.attachments = [Email.Attachment(filename: "a", content: [], contentID: "a b")] }),
            (.invalidField, { $0.messageID = "not-an-id" }),
        ]
        for (code, configure) in cases {
            let email = try Self.email(configure: configure)
            #expect(throws: EmailValidationError.self) { try MessageComposer().compose(email) }
            do {
                _ = try MessageComposer().compose(email)
            } catch {
                #expect(error.code == code)
            }
        }
    }

    @Test func utf8AddressesRequireSMTPUTF8And8BitMIME() throws {
        let (message, _) = try Self.compose(try Self.email { $0.cc = [try EmailAddress("jörg@example.com")] })
        #expect(message.needsSMTPUTF8 && message.needs8BitMIME)
        let (bccOnly, text) = try Self.compose(try Self.email { $0.bcc = [try EmailAddress("jörg@example.com")] })
        #expect(bccOnly.needsSMTPUTF8)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func displayNamesNeedingQuotesAreQuoted() throws {
        let field = MessageComposer.addressField(
            "To",
            [
                try EmailAddress(address: "a@example.com", displayName: "Doe, Jane"),
                try EmailAddress(address: "b@example.com", displayName: "Say \"hi\""),
                try EmailAddress(address: "c@example.com", displayName: "Plain Name"),
            ])
        #expect(
            String(decoding: field.line, as: UTF8.self)
                == "To: \"Doe, Jane\" <a@example.com>, \"Say \\\"hi\\\"\" <b@example.com>,\r\n Plain Name <c@example.com>\r\n")
    }

    @Test func asciiWordsOfNonASCIIDisplayNamesStayPlain() throws {
        let field = MessageComposer.addressField("From", [try EmailAddress(address: "a@example.com", displayName: "Zoë at ACME")])
        #expect(String(decoding: field.line, as: UTF8.self) == "From: =?UTF-8?Q?Zo=C3=AB?= at ACME <a@example.com>\r\n")
    }

    @Test func foldingNeverLeavesALineOfOnlySpaces() throws {
        for wordLength in 55...69 {
            var field = HeaderField(name: "Subject")
            field.append(unstructured: String(repeating: "a", count: wordLength) + " b    ", allowingLongWords: false)
            let lines = String(decoding: field.line, as: UTF8.self).components(separatedBy: "\r\n").dropLast()
            #expect(lines.allSatisfy { !$0.allSatisfy { $0 == " " } })
            #expect(String(decoding: field.line, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "").hasSuffix(" b    "))
        }
    }
}
