import Foundation
@testable import MailTimeSMTP
import MailTimeMessage
import Testing

/// A composed message goes after DATA as the composer wrote it: the same bytes as stuffing the
/// plain message here would give.
@Suite struct ComposedMessageDataTests {
    static func email(text: String?, html: String? = nil, attachments: [Email.Attachment] = [], headers: [Email.Header] = []) throws -> Email {
        Email(
            from: try EmailAddress("Sender <sender@example.com>"),
            to: [try EmailAddress("to@example.org")],
            subject: "Dots",
            text: text,
            html: html,
            headers: headers,
            attachments: attachments,
            messageID: "<fixed@example.com>"
        )
    }

    static func emails() throws -> [Email] {
        [
            try email(text: "Hello.\nBye."),
            try email(text: ".\n.hidden\n..two\n" + String(repeating: "x", count: 75) + ".after a soft break\n."),
            try email(text: nil, html: "<p>\n.x</p>\n.", headers: [Email.Header(name: ".Dot", value: ".v")]),
            try email(
                text: "a\r\n.b", html: "<img src=\"cid:p@x\">\n.",
                attachments: [
                    Email.Attachment(filename: ".p.png", content: Array(repeating: 0x2E, count: 500), contentType: "image/png", contentID: "p@x"),
                    Email.Attachment(filename: "d.txt", content: Array(".\r\n.\r\n".utf8), contentType: "text/plain"),
                ]),
        ]
    }

    @Test func dataIsTheStuffedMessage() throws {
        for email in try Self.emails() {
            let message = try MessageComposer().compose(email, date: Date(timeIntervalSince1970: 1_795_000_000))
            let data = SMTPMessageData(message)
            let stuffedHere = SMTPMessageData(message.bytes)
            #expect(data == stuffedHere)
            #expect(data.messageSize == stuffedHere.messageSize)
            #expect(data.buffer.readableBytesView.suffix(5).elementsEqual("\r\n.\r\n".utf8))
        }
    }
}
