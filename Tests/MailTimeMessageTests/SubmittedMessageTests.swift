import MailTimeMessage
import MailTimeTestSupport
import Testing

/// The stored form of a message submitted over SMTP: what it writes, that it reads back what it
/// wrote, and that it refuses anything else cleanly.
@Suite struct SubmittedMessageTests {
    static let body = Array("From: App <app@example.com>\r\nSubject: Hi\r\n\r\nHello.\r\n.leading dot\r\n".utf8)

    static func sample() throws -> SubmittedMessage {
        SubmittedMessage(
            reversePath: try EmailAddress("bounces@example.com"),
            recipients: [try EmailAddress("ann@example.org"), try EmailAddress("bob@example.net")],
            smtpUTF8: false, eightBitMIME: true, tags: ["welcome", "a b"], message: body
        )
    }

    @Test func theStoredFormIsTheEnvelopeThenTheMessageByteForByte() throws {
        let stored = try Self.sample().storedBytes()
        let expected =
            "MailTime-Submitted/1\r\nmail-from <bounces@example.com>\r\nrcpt-to <ann@example.org>\r\nrcpt-to <bob@example.net>\r\n"
            + "8bitmime\r\ntag welcome\r\ntag a b\r\n\r\n"
        #expect(stored == Array(expected.utf8) + Self.body)
        #expect(SubmittedMessage.isSubmittedMessage(stored))
    }

    @Test(
        arguments: [
            (nil, ["ann@example.org"], false, false, [String](), ""),
            ("app@example.com", ["ann@example.org", "jörg@bücher.example"], true, true, ["x"], "Subject: x\r\n\r\n"),
            ("app@example.com", ["\"a b\"@example.org"], false, false, [], "Subject: no blank line, no CRLF"),
            ("app@[192.0.2.1]", ["ann@example.org"], false, false, ["t1", "t2"], "A: b\r\n\r\nMailTime-Submitted/1\r\nmail-from <>\r\n\r\n"),
        ] as [(String?, [String], Bool, Bool, [String], String)])
    func readsBackWhatItWrote(sender: String?, recipients: [String], smtpUTF8: Bool, eightBitMIME: Bool, tags: [String], text: String) throws {
        let message = SubmittedMessage(
            reversePath: try sender.map { try EmailAddress($0) }, recipients: try recipients.map { try EmailAddress($0) },
            smtpUTF8: smtpUTF8, eightBitMIME: eightBitMIME, tags: tags, message: Array(text.utf8)
        )
        let stored = message.storedBytes()
        #expect(try SubmittedMessage(stored: stored) == message)
        if sender == nil {
            #expect(String(decoding: stored, as: UTF8.self).contains("\r\nmail-from <>\r\n"))
        }
    }

    @Test func jsonEmailsAreNotSubmittedMessages() {
        #expect(!SubmittedMessage.isSubmittedMessage(Array(#"{"to":"ann@example.org","text":"x"}"#.utf8)))
        #expect(!SubmittedMessage.isSubmittedMessage(Array(" {}".utf8)))
        #expect(!SubmittedMessage.isSubmittedMessage([UInt8]()))
        #expect(!SubmittedMessage.isSubmittedMessage(Array("MailTime-Submitted".utf8)))
        // A later version is still recognised, so that it is refused as such rather than read as JSON.
        #expect(SubmittedMessage.isSubmittedMessage(Array("MailTime-Submitted/2\r\n".utf8)))
    }

    /// Each malformed envelope is refused with a sentence naming its line.
    @Test(arguments: [
        ("MailTime-Submitted/2\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\n\r\n", "line 1"),
        ("MailTime-Submitted/1\r\nrcpt-to <a@example.org>\r\n\r\n", "line 2 must be mail-from"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\n\r\n", "without mail-from or rcpt-to"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\n\r\n", "line 3"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\nsmtputf8\r\nsmtputf8\r\n\r\n", "line 5"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to a@example.org\r\n\r\n", "angle brackets"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@>\r\n\r\n", "line 3"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\ncolour red\r\n\r\n", "line 4"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\ntag \r\n\r\n", "a tag"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@example.org>\n\r\n", "line 3"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@example.org>\r\n", "line 4"),
        ("MailTime-Submitted/1\r\nmail-from <>\r\nrcpt-to <a@exa\rmple.org>\r\n\r\n", "line 3"),
    ])
    func malformedEnvelopesAreRefused(stored: String, naming part: String) {
        let error = #expect(throws: EmailValidationError.self) { _ = try SubmittedMessage(stored: Array(stored.utf8)) }
        #expect(error?.code == .invalidField)
        #expect(error?.message.contains(part) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("\n") == false)
    }

    /// Seeded mutations of a valid stored form (bytes changed, dropped, repeated or cut off): each
    /// one is refused with an error or read as a message that writes back to bytes reading as itself.
    @Test func mutatedStoredFormsAreRefusedOrReadConsistently() throws {
        let original = try Self.sample().storedBytes()
        let envelopeEnd = original.count - Self.body.count
        let interesting: [UInt8] = Array("<>@ \r\n:.-/1aZ".utf8) + [0x00, 0x80, 0xC3, 0xFF]
        var generator = SeededGenerator(state: 0x5eed_15)
        var refused = 0
        var read = 0
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<min(bytes.count, envelopeEnd + 4), using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = interesting.randomElement(using: &generator)!
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(bytes[index], at: index)
                default: bytes.removeSubrange(index...)
                }
                if bytes.isEmpty { break }
            }
            let message: SubmittedMessage
            do {
                message = try SubmittedMessage(stored: bytes)
            } catch {
                refused += 1
                #expect(error.message.contains("stored submitted message"), "\(error.message)")
                continue
            }
            read += 1
            #expect(try SubmittedMessage(stored: message.storedBytes()) == message)
            #expect(!message.recipients.isEmpty)
        }
        // Both outcomes happen: most mutations break the envelope; some (in the message, a tag or a
        // recipient's local part) do not.
        #expect(refused > 0 && read > 0)
    }

    @Test func aComposedSubmittedMessageIsItsBytesStuffedWithItsEnvelope() throws {
        let text = "Message-ID: <id@example.com>\r\nFrom: a@example.com\r\n\r\n.hidden\r\nend\r\n"
        let submitted = SubmittedMessage(
            reversePath: nil, recipients: [try EmailAddress("ann@example.org")], smtpUTF8: true, eightBitMIME: false, message: Array(text.utf8)
        )
        let composed = ComposedMessage(submitted)
        #expect(composed.from == nil)
        #expect(composed.recipients == submitted.recipients)
        #expect(composed.messageID == "<id@example.com>")
        #expect(composed.needsSMTPUTF8 && !composed.needs8BitMIME)
        #expect(composed.data == Array("Message-ID: <id@example.com>\r\nFrom: a@example.com\r\n\r\n..hidden\r\nend\r\n".utf8))
        #expect(composed.bytes == submitted.message)
    }
}
