import Foundation
import MailTimeTestSupport
import MailTimeMessage
import Testing

/// Composed messages read back by Python's `email` package and compared field by field.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct PythonPeerTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    func compose(_ email: Email, composer: MessageComposer = MessageComposer()) throws -> ([UInt8], PythonEmailParser.Parsed) {
        let message = try composer.compose(email, date: Self.date)
        let parsed = try PythonEmailParser.parse(message.bytes)
        #expect(parsed.defects.isEmpty, "Python found defects: \(parsed.defects)")
        #expect(parsed.longestLine <= 998)
        #expect(!parsed.hasBareLineFeed)
        return (message.bytes, parsed)
    }

    func normalized(_ text: String?) -> String? {
        text?.replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test func textOnlyWithNonASCIISubjectAndNames() throws {
        let email = Email(
            from: try EmailAddress("Zoë Ångström <zoe@example.com>"),
            to: [try EmailAddress("Bob <bob@example.org>"), try EmailAddress("carol@example.org")],
            cc: [try EmailAddress("\"Doe, Jane\" <jane@example.net>")],
            bcc: [try EmailAddress("Secret Person <secret@example.net>")],
            replyTo: [try EmailAddress("Support — 日本語 <help@example.com>")],
            subject: "Grüße aus Köln — 你好 🌍",
            text: "Hello\nSecond line with ünïcödé\n",
            headers: [Email.Header(name: "X-Campaign", value: "spring-2026"), Email.Header(name: "X-Note", value: "naïve café")],
            messageID: "<abc.123@example.com>"
        )
        let (bytes, parsed) = try compose(email)
        #expect(parsed.subject == "Grüße aus Köln — 你好 🌍")
        #expect(parsed.from == [.init(name: "Zoë Ångström", address: "zoe@example.com")])
        #expect(parsed.to == [.init(name: "Bob", address: "bob@example.org"), .init(name: "", address: "carol@example.org")])
        #expect(parsed.cc == [.init(name: "Doe, Jane", address: "jane@example.net")])
        #expect(parsed.replyTo == [.init(name: "Support — 日本語", address: "help@example.com")])
        #expect(parsed.messageID == "<abc.123@example.com>")
        #expect(parsed.headers["X-Campaign"] == "spring-2026")
        #expect(parsed.headers["X-Note"] == "naïve café")
        #expect(parsed.date == "Wed, 18 Nov 2026 11:06:40 +0000")
        #expect(!parsed.headerNames.contains { $0.lowercased() == "bcc" })
        #expect(!String(decoding: bytes, as: UTF8.self).contains("secret@example.net"))
        #expect(parsed.structure == ["text/plain"])
        #expect(parsed.leaves[0].charset == "utf-8")
        #expect(normalized(parsed.leaves[0].text) == "Hello\nSecond line with ünïcödé\n")
    }

    @Test func htmlOnlyGetsADerivedTextPartFirst() throws {
        let email = Email(
            from: try EmailAddress("news@example.com"),
            to: [try EmailAddress("reader@example.org")],
            subject: "Weekly",
            html: "<p>Hello <b>reader</b> &amp; friends,</p><p>Line one<br>Line two</p>"
        )
        let (_, parsed) = try compose(email)
        #expect(parsed.structure == ["multipart/alternative", "text/plain", "text/html"])
        #expect(normalized(parsed.leaves[0].text) == "Hello reader & friends,\n\nLine one\nLine two")
        #expect(normalized(parsed.leaves[1].text) == email.html)
    }

    @Test func textAndHTMLWithInlineImageAndAttachments() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let pdf = [UInt8](repeating: 0x25, count: 100) + [0, 1, 2, 255, 13, 10, 46, 13, 10]
        let longName = "Quarterly report for the board of directors — très important, ne pas oublier (final v2).pdf"
        let email = Email(
            from: try EmailAddress("Reports <reports@example.com>"),
            to: [try EmailAddress("boss@example.org")],
            subject: "Report",
            text: "See the report.",
            html: "<p>See the report.</p><img src=\"cid:logo@example.com\">",
            attachments: [
                Email.Attachment(filename: "logo.png", content: png, contentType: "image/png", contentID: "logo@example.com"),
                Email.Attachment(filename: longName, content: pdf, contentType: "application/pdf"),
                Email.Attachment(filename: "données.csv", content: Array("a,b\n1,2\n".utf8), contentType: "text/csv"),
            ]
        )
        let (_, parsed) = try compose(email)
        #expect(
            parsed.structure == [
                "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html",
                "image/png", "application/pdf", "text/csv",
            ]
        )
        let leaves = parsed.leaves
        #expect(normalized(leaves[0].text) == "See the report.")
        #expect(normalized(leaves[1].text) == email.html)
        #expect(leaves[2].contentID == "<logo@example.com>")
        #expect(leaves[2].disposition == "inline")
        #expect(leaves[2].filename == "logo.png")
        #expect(leaves[2].bytes == png)
        #expect(leaves[3].disposition == "attachment")
        #expect(leaves[3].filename == longName)
        #expect(leaves[3].bytes == pdf)
        #expect(leaves[4].filename == "données.csv")
        #expect(leaves[4].bytes == Array("a,b\n1,2\n".utf8))
    }

    @Test func inlinePartsWithoutHTMLBecomeAttachments() throws {
        let email = Email(
            from: try EmailAddress("a@example.com"),
            to: [try EmailAddress("b@example.com")],
            text: "plain",
            attachments: [Email.Attachment(filename: "x.bin", content: [1, 2, 3], contentID: "x@y")]
        )
        let (_, parsed) = try compose(email)
        #expect(parsed.structure == ["multipart/mixed", "text/plain", "application/octet-stream"])
        #expect(parsed.leaves[1].bytes == [1, 2, 3])
        #expect(normalized(parsed.leaves[0].text) == "plain")
    }

    @Test func difficultTextBodiesSurviveQuotedPrintable() throws {
        let text = [
            String(repeating: "x", count: 5000),
            ".starts with a dot",
            ".",
            "trailing spaces   ",
            "trailing tab\t",
            "equals = signs == and =3D literal",
            String(repeating: "é", count: 400),
            String(repeating: "ab ", count: 700),
            "",
            "From the start of a line",
        ].joined(separator: "\n")
        let email = Email(
            from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")], subject: "x", text: text
        )
        let (bytes, parsed) = try compose(email)
        #expect(normalized(parsed.leaves[0].text) == text)
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let bodyLines = lines[(lines.firstIndex(of: "")! + 1)...]
        #expect(bodyLines.allSatisfy { $0.utf8.count <= 76 })
    }

    @Test func longSubjectsAndHeadersAreFoldedWithin78Columns() throws {
        let asciiSubject = (1...40).map { "word\($0)" }.joined(separator: " ")
        let unicodeSubject = String(repeating: "Ünïcödé ✓ 日本語テキスト ", count: 12)
        let unbreakable = String(repeating: "y", count: 200)
        for subject in [asciiSubject, unicodeSubject, unbreakable] {
            let email = Email(
                from: try EmailAddress(
                    address: "sender@example.com",
                    displayName: String(repeating: "Ñame with many words ", count: 6) + "Jürgen-Émile Łukasz Øystein-Ångström"
                ),
                to: (0..<60).map { try! EmailAddress("Recipient Number \($0) <r\($0)@example.org>") },
                subject: subject,
                text: "x"
            )
            let (bytes, parsed) = try compose(email)
            #expect(parsed.subject == subject)
            #expect(parsed.to?.count == 60)
            #expect(parsed.to?[59] == .init(name: "Recipient Number 59", address: "r59@example.org"))
            #expect(parsed.from?[0].name == email.from?.displayName)
            let text = String(decoding: bytes, as: UTF8.self)
            let headerLines = text[..<text.range(of: "\r\n\r\n")!.lowerBound].components(separatedBy: "\r\n")
            #expect(headerLines.allSatisfy { $0.utf8.count <= 78 }, "\(headerLines.filter { $0.utf8.count > 78 })")
        }
    }

    @Test func internationalizedAddressesNeedSMTPUTF8() throws {
        let email = Email(
            from: try EmailAddress("Jörg <jörg@bücher.example>"),
            to: [try EmailAddress("用户@例子.广告")],
            subject: "EAI",
            text: "hi"
        )
        let message = try MessageComposer().compose(email, date: Self.date)
        #expect(message.needsSMTPUTF8)
        #expect(message.needs8BitMIME)
        let parsed = try PythonEmailParser.parse(message.bytes)
        // UTF-8 local parts as given (RFC 6532), domains as A-labels.
        #expect(parsed.from == [.init(name: "Jörg", address: "jörg@xn--bcher-kva.example")])
        #expect(parsed.to == [.init(name: "", address: "用户@xn--fsqu00a.xn--4rr70v")])
    }

    @Test func templatesAndLayoutAreAppliedBeforeEncoding() throws {
        let email = Email(
            from: try EmailAddress("a@example.com"),
            to: [try EmailAddress("b@example.com")],
            subject: "Hello {{name}}",
            html: "<p>Hi {{name}}, {{{link}}} {{missing}}</p>",
            variables: ["name": "Tom & <Jerry>", "link": "<a href=\"https://x.example\">x</a>"]
        )
        let composer = MessageComposer(defaultLayout: Template("<html><body>{{{html}}}<hr>{{name}}</body></html>"))
        let (_, parsed) = try compose(email, composer: composer)
        #expect(parsed.subject == "Hello Tom & <Jerry>")
        #expect(
            normalized(parsed.leaves[1].text)
                == "<html><body><p>Hi Tom &amp; &lt;Jerry&gt;, <a href=\"https://x.example\">x</a> {{missing}}</p>"
                + "<hr>Tom &amp; &lt;Jerry&gt;</body></html>"
        )
        #expect(normalized(parsed.leaves[0].text) == "Hi Tom & <Jerry>, x (https://x.example) {{missing}}\n\nTom & <Jerry>")
    }

    /// protocol.md, SEND, Templates: the subject is templated, the text part is not escaped, and a value is not expanded again.
    @Test func theTextPartAndSubjectAreTemplatedWithoutEscapingOrReExpansion() throws {
        let email = Email(
            from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")],
            subject: "{{greeting}} {{{name}}}", text: "Dear {{name}}, {{{name}}}: {{greeting}}",
            html: "<p>{{greeting}}</p>",
            variables: ["name": "Tom & <Jerry>", "greeting": "Hi {{name}}"]
        )
        let (_, parsed) = try compose(email, composer: MessageComposer())
        #expect(parsed.subject == "Hi {{name}} Tom & <Jerry>")
        #expect(normalized(parsed.leaves[0].text) == "Dear Tom & <Jerry>, Tom & <Jerry>: Hi {{name}}")
        #expect(normalized(parsed.leaves[1].text) == "<p>Hi {{name}}</p>")
    }

    @Test func decodedJSONEmailComposesEqualToItsFields() throws {
        let json = """
            {"from": "Ørsted <o@example.com>", "to": ["a@example.org", "Bé <b@example.org>"], "bcc": "hidden@example.org",
             "subject": "Ça va?", "text": "Texte", "html": "<p>Texte</p>",
             "attachments": [{"filename": "a.txt", "content": "aGVsbG8=", "content_type": "text/plain"}],
             "message_id": "<m1@example.com>"}
            """
        let email = try Email(json: Array(json.utf8))
        let (bytes, parsed) = try compose(email)
        #expect(parsed.subject == "Ça va?")
        #expect(parsed.from == [.init(name: "Ørsted", address: "o@example.com")])
        #expect(parsed.to == [.init(name: "", address: "a@example.org"), .init(name: "Bé", address: "b@example.org")])
        #expect(parsed.messageID == "<m1@example.com>")
        #expect(parsed.leaves.last?.bytes == Array("hello".utf8))
        #expect(!String(decoding: bytes, as: UTF8.self).lowercased().contains("hidden@"))
    }

    @Test func longDisplayNamesOfNonASCIIWordsFollowRFC2047() throws {
        let name = "山田太郎商事株式会社カスタマーサポートセンター東京本社営業部第一課"
        let email = Email(
            from: try EmailAddress(address: "support@example.jp", displayName: name),
            to: [try EmailAddress(address: "a@example.com", displayName: "Ünïcode ✓ — \(name)")],
            subject: name,
            text: "x"
        )
        let (_, parsed) = try compose(email)
        // Python's address parser keeps the space between adjacent encoded words in a phrase (RFC 2047
        // §6.2 says to drop it), so the names are checked with its RFC 2047 decoder instead.
        #expect(parsed.decodedHeaders["From"] == "\(name) <support@example.jp>")
        #expect(parsed.decodedHeaders["To"] == "Ünïcode ✓ — \(name) <a@example.com>")
        #expect(parsed.subject == name)
        #expect(parsed.from?[0].address == "support@example.jp")
    }

    @Test func manyRecipientsAreAllListed() throws {
        let to = try (0..<150).map { try EmailAddress(address: "user\($0)@example.com", displayName: $0 % 2 == 0 ? "Ü \($0)" : nil) }
        let cc = try (0..<50).map { try EmailAddress("cc\($0)@example.net") }
        let email = Email(from: try EmailAddress("a@example.com"), to: to, cc: cc, subject: "Many", text: "x")
        let (_, parsed) = try compose(email)
        #expect(parsed.to?.map(\.address) == to.map(\.address))
        #expect(parsed.to?.map(\.name) == to.map { $0.displayName ?? "" })
        #expect(parsed.cc?.map(\.address) == cc.map(\.address))
    }

    /// Random subjects, names, bodies and attachments, each read back by Python.
    @Test(arguments: 0..<25 as Range<UInt64>)
    func randomEmailsReadBackEqual(seed: UInt64) throws {
        var generator = SeededGenerator(state: seed &* 7919)
        func line(_ length: Int) -> String {
            String(
                String.UnicodeScalarView(
                    RandomizedRoundTripTests.text(&generator, length: length).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
                ))
        }
        let words = ["Zoë", "Ann", "日本語", "O'Brien", "Doe,", "\"Q\"", "🌍", "Jean-Luc", "x.y"]
        let name = (0..<Int.random(in: 1...6, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            .joined(separator: " ")
        let text = RandomizedRoundTripTests.text(&generator, length: 600).replacingOccurrences(of: "\u{0}", with: "")
        // Python strips the spaces around a filename.
        let filename = "f" + line(40).trimmingCharacters(in: .whitespaces) + ".bin"
        let attachment = Email.Attachment(
            filename: filename,
            content: (0..<Int.random(in: 0...500, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) },
            contentType: "application/octet-stream"
        )
        let subject = line(120).trimmingCharacters(in: .whitespaces)
        let email = Email(
            from: try EmailAddress(address: "sender@example.com", displayName: name),
            to: [try EmailAddress("to@example.org")],
            subject: subject,
            text: text,
            html: "<p>" + line(300) + "</p>",
            attachments: [attachment]
        )
        let (_, parsed) = try compose(email)
        #expect(parsed.subject == subject)
        if name.unicodeScalars.allSatisfy(\.isASCII) {
            #expect(parsed.from?[0].name == name)
        } else {
            // See longDisplayNamesOfNonASCIIWordsFollowRFC2047 for why the RFC 2047 decoder is used here.
            #expect(parsed.decodedHeaders["From"] == "\(name) <sender@example.com>")
        }
        #expect(normalized(parsed.leaves[0].text) == text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        #expect(normalized(parsed.leaves[1].text) == email.html)
        #expect(parsed.leaves[2].filename == attachment.filename)
        #expect(parsed.leaves[2].bytes == attachment.content)
    }
}
