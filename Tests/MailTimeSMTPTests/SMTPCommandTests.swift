@testable import MailTimeSMTP
import NIOCore
import Testing

/// `SMTPCommand`: the bytes each command puts on the wire, and what logs may show of it.
@Suite struct SMTPCommandTests {
    static func wire(_ commands: [SMTPCommand]) -> String {
        var buffer = ByteBuffer()
        for command in commands { command.write(into: &buffer) }
        return String(buffer: buffer)
    }

    @Test(arguments: [
        (SMTPCommand.ehlo("client.example.org"), "EHLO client.example.org\r\n"),
        (.helo("client.example.org"), "HELO client.example.org\r\n"),
        (.startTLS, "STARTTLS\r\n"),
        (.authenticate(mechanism: "LOGIN", initialResponse: nil), "AUTH LOGIN\r\n"),
        (.authenticate(mechanism: "PLAIN", initialResponse: "AHVzZXIAc2VjcmV0"), "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"),
        (.authenticationResponse("dXNlcg=="), "dXNlcg==\r\n"),
        (.authenticationResponse(""), "\r\n"),
        (.mail(from: "a@example.com", parameters: []), "MAIL FROM:<a@example.com>\r\n"),
        (.mail(from: "", parameters: []), "MAIL FROM:<>\r\n"),
        (
            .mail(from: "a@example.com", parameters: ["SIZE=18", "BODY=8BITMIME", "SMTPUTF8"]),
            "MAIL FROM:<a@example.com> SIZE=18 BODY=8BITMIME SMTPUTF8\r\n"
        ),
        (.mail(from: "", parameters: ["SIZE=0"]), "MAIL FROM:<> SIZE=0\r\n"),
        (.recipient(to: "b@example.net", parameters: []), "RCPT TO:<b@example.net>\r\n"),
        (.recipient(to: "b@example.net", parameters: ["NOTIFY=NEVER"]), "RCPT TO:<b@example.net> NOTIFY=NEVER\r\n"),
        (.data, "DATA\r\n"),
        (.reset, "RSET\r\n"),
        (.noop, "NOOP\r\n"),
        (.quit, "QUIT\r\n"),
    ])
    func wireEncoding(command: SMTPCommand, expected: String) {
        #expect(Self.wire([command]) == expected)
    }

    @Test(arguments: [
        SMTPCommand.ehlo("client.example.org"), .helo("h"), .startTLS, .mail(from: "", parameters: ["SIZE=1"]),
        .recipient(to: "b@example.net", parameters: []), .data, .reset, .noop, .quit,
    ])
    func descriptionIsTheLineWithoutCRLF(command: SMTPCommand) {
        #expect(command.description + "\r\n" == Self.wire([command]))
    }

    @Test func authenticationIsRedacted() {
        #expect(SMTPCommand.authenticate(mechanism: "PLAIN", initialResponse: "AHVzZXIAc2VjcmV0").description == "AUTH PLAIN <redacted>")
        #expect(SMTPCommand.authenticate(mechanism: "LOGIN", initialResponse: nil).description == "AUTH LOGIN")
        #expect(SMTPCommand.authenticationResponse("c2VjcmV0").description == "<redacted>")
        #expect(SMTPCommand.authenticationResponse("").description == "<redacted>")
        // However a log interpolates or dumps it.
        let command = SMTPCommand.authenticate(mechanism: "XOAUTH2", initialResponse: "dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ==")
        #expect(!"\(command)".contains("dXNlcj11"))
        #expect(!String(reflecting: command).contains("dXNlcj11"))
        #expect(!"\([command])".contains("dXNlcj11"))
    }

    @Test func pipelinedCommandsAreConcatenated() {
        let commands: [SMTPCommand] = [
            .mail(from: "a@example.com", parameters: ["SIZE=18"]), .recipient(to: "b@example.net", parameters: []),
            .recipient(to: "c@example.net", parameters: []), .data,
        ]
        #expect(Self.wire(commands) == "MAIL FROM:<a@example.com> SIZE=18\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n")
    }
}
