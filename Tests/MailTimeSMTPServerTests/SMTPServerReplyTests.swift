import MailTimeSMTP
import NIOCore
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server reply")
struct SMTPServerReplyTests {
    @Test(
        "the octets written are the description: one line or several, with or without an enhanced code",
        arguments: [
            (SMTPServerReply(code: 250, enhancedCode: nil, text: "mx.test"), "250 mx.test\r\n"),
            (
                SMTPServerReply(code: 550, enhancedCode: EnhancedStatusCode(statusClass: 5, subject: 7, detail: 26), text: "no"),
                "550 5.7.26 no\r\n"
            ),
            (
                SMTPServerReply(code: 250, enhancedCode: nil, lines: ["mx.test", "PIPELINING", "SIZE 10485760"]),
                "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10485760\r\n"
            ),
            (
                SMTPServerReply(code: 421, enhancedCode: EnhancedStatusCode(statusClass: 4, subject: 4, detail: 2), lines: ["a", "b\r\nc"]),
                "421-4.4.2 a\r\n421 4.4.2 b c\r\n"
            ),
        ]
    )
    func written(reply: SMTPServerReply, wire: String) {
        var buffer = ByteBuffer()
        reply.write(to: &buffer)
        #expect(String(buffer: buffer) == wire)
        #expect(reply.description == wire)
    }
}
