import Foundation
import MailTimeTestSupport
import Testing

/// The real peers of the SMTP tests (aiosmtpd, smtp-sink), checked against a real client (swaks).
@Suite("Peer harness", .tags(.peer), .unlessSkipped(.peer))
struct PeerHarnessTests {
    @Test("aiosmtpd with STARTTLS takes mail from swaks after AUTH PLAIN and LOGIN")
    func aiosmtpdSTARTTLSWithPlainAndLogin() async throws {
        let certificate = try TestCertificate.make()
        let server = try await AiosmtpdServer.start(
            .init(
                tls: .startTLS(certificateFile: certificate.certificateFile, privateKeyFile: certificate.privateKeyFile),
                requireTLS: true,
                users: ["ann": "s3cret", "bob": "hunter2"],
                requireAuthentication: true
            )
        )
        defer { server.stop() }

        let plain = try Swaks.send(
            to: server.port,
            from: "app@example.com",
            recipients: ["ann@example.com", "carl@example.org"],
            body: "Hello over TLS.\n.a line with a leading dot\n..and two\nlast line",
            startTLS: true,
            authentication: (user: "ann", password: "s3cret", mechanism: "PLAIN")
        )
        #expect(plain.succeeded, "\(plain)")
        #expect(plain.transcript.contains("250-STARTTLS"))
        let login = try Swaks.send(
            to: server.port,
            from: "<>",
            recipients: ["dan@example.net"],
            body: "Second.",
            startTLS: true,
            authentication: (user: "bob", password: "hunter2", mechanism: "LOGIN")
        )
        #expect(login.succeeded, "\(login)")

        let messages = try await server.waitForMessages(count: 2, timeout: .seconds(5))
        try #require(messages.count == 2)
        let first = messages[0]
        #expect(first.mailFrom == "app@example.com")
        #expect(first.recipients == ["ann@example.com", "carl@example.org"])
        #expect(first.user == "ann")
        #expect(first.tls)
        #expect(first.mailOptions.isEmpty)
        // The body as swaks meant it: CRLF line ends, its dot-stuffing undone, ended by CRLF.
        #expect(first.text.contains("\r\n\r\nHello over TLS.\r\n.a line with a leading dot\r\n..and two\r\nlast line\r\n"))
        #expect(first.text.hasPrefix("Date: "))
        #expect(first.data.suffix(2) == [13, 10])
        #expect(!first.text.contains("\r\n.\r\n"))

        let second = messages[1]
        #expect(second.mailFrom == "")
        #expect(second.recipients == ["dan@example.net"])
        #expect(second.user == "bob")
        #expect(second.tls)
        #expect(second.text.contains("\r\n\r\nSecond.\r\n"))
    }

    @Test("aiosmtpd refuses a wrong password and records nothing")
    func aiosmtpdRefusesAWrongPassword() async throws {
        let certificate = try TestCertificate.make()
        let server = try await AiosmtpdServer.start(
            .init(
                tls: .startTLS(certificateFile: certificate.certificateFile, privateKeyFile: certificate.privateKeyFile),
                users: ["ann": "s3cret"],
                requireAuthentication: true
            )
        )
        defer { server.stop() }

        for mechanism in ["PLAIN", "LOGIN"] {
            let result = try Swaks.send(
                to: server.port,
                from: "app@example.com",
                recipients: ["ann@example.com"],
                startTLS: true,
                authentication: (user: "ann", password: "wrong", mechanism: mechanism)
            )
            #expect(!result.succeeded, "\(result)")
            #expect(result.transcript.contains("535 5.7.8"), "\(result)")
        }
        // Without AUTH, MAIL is refused.
        let anonymous = try Swaks.send(
            to: server.port, from: "app@example.com", recipients: ["ann@example.com"], startTLS: true
        )
        #expect(!anonymous.succeeded)
        #expect(anonymous.transcript.contains("530 5.7.0"), "\(anonymous)")
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test("aiosmtpd with requireTLS refuses MAIL before STARTTLS, and offers AUTH only in TLS")
    func aiosmtpdRequiresTLS() async throws {
        let certificate = try TestCertificate.make()
        let server = try await AiosmtpdServer.start(
            .init(
                tls: .startTLS(certificateFile: certificate.certificateFile, privateKeyFile: certificate.privateKeyFile),
                requireTLS: true,
                users: ["ann": "s3cret"]
            )
        )
        defer { server.stop() }

        let plainText = try Swaks.send(to: server.port, from: "app@example.com", recipients: ["ann@example.com"])
        #expect(!plainText.succeeded)
        #expect(plainText.transcript.contains("530 5.7.0 Must issue a STARTTLS command first"), "\(plainText)")
        #expect(!plainText.transcript.contains("AUTH"))
        #expect(try server.receivedMessages().isEmpty)

        let secure = try Swaks.send(
            to: server.port, from: "app@example.com", recipients: ["ann@example.com"], startTLS: true
        )
        #expect(secure.succeeded, "\(secure)")
        #expect(secure.transcript.contains("250-AUTH LOGIN PLAIN"), "\(secure)")
        let messages = try await server.waitForMessages(count: 1, timeout: .seconds(5))
        #expect(messages.map(\.tls) == [true])
        #expect(messages.map(\.user) == [nil])
    }

    @Test("aiosmtpd answers a rejected recipient with its reply and records the others")
    func aiosmtpdRejectsConfiguredRecipients() async throws {
        let server = try await AiosmtpdServer.start(
            .init(
                rejectedRecipients: [
                    "nobody@example.com": "550 5.1.1 no such user",
                    "full@example.com": "452 4.2.2 mailbox full",
                ]
            )
        )
        defer { server.stop() }

        let result = try Swaks.send(
            to: server.port,
            from: "app@example.com",
            recipients: ["ann@example.com", "nobody@example.com", "bob@example.com", "full@example.com"]
        )
        #expect(result.succeeded, "\(result)")
        #expect(result.transcript.contains("550 5.1.1 no such user"), "\(result)")
        #expect(result.transcript.contains("452 4.2.2 mailbox full"), "\(result)")

        let messages = try await server.waitForMessages(count: 1, timeout: .seconds(5))
        #expect(messages.count == 1)
        #expect(messages.first?.recipients == ["ann@example.com", "bob@example.com"])
        #expect(messages.first?.tls == false)
        #expect(messages.first?.user == nil)

        let allRejected = try Swaks.send(to: server.port, from: "app@example.com", recipients: ["nobody@example.com"])
        #expect(!allRejected.succeeded)
        #expect(try server.receivedMessages().count == 1)
    }

    @Test("aiosmtpd with implicit TLS offers AUTH from the first byte")
    func aiosmtpdImplicitTLS() async throws {
        let certificate = try TestCertificate.make()
        let server = try await AiosmtpdServer.start(
            .init(
                tls: .implicit(certificateFile: certificate.certificateFile, privateKeyFile: certificate.privateKeyFile),
                requireTLS: true,
                users: ["ann": "s3cret"],
                requireAuthentication: true
            )
        )
        defer { server.stop() }

        let result = try Swaks.send(
            to: server.port,
            from: "app@example.com",
            recipients: ["ann@example.com"],
            body: "Implicit.",
            authentication: (user: "ann", password: "s3cret", mechanism: "PLAIN"),
            extraArguments: ["--tls-on-connect"]
        )
        #expect(result.succeeded, "\(result)")
        #expect(!result.transcript.contains("STARTTLS"))
        let messages = try await server.waitForMessages(count: 1, timeout: .seconds(5))
        #expect(messages.first?.tls == true)
        #expect(messages.first?.user == "ann")

        // Plain text to an implicit-TLS port is no SMTP session at all.
        let plain = try Swaks.send(
            to: server.port, from: "app@example.com", recipients: ["ann@example.com"], timeout: .seconds(3)
        )
        #expect(!plain.succeeded)
        #expect(try server.receivedMessages().count == 1)
    }

    @Test("aiosmtpd records the DATA bytes unstuffed but otherwise exact, and the MAIL FROM parameters")
    func aiosmtpdRecordsExactBytes() async throws {
        let server = try await AiosmtpdServer.start(.init(smtpUTF8: true, maximumMessageSize: 10_000))
        defer { server.stop() }

        let stuffed = Array("Subject: bytes\r\n\r\n..leading dot\r\nbare\nLF and \u{e9}\r\n...\r\nno final line end".utf8)
        let client = try ChildProcess.launch(
            "python3",
            arguments: ["-c", Self.rawClient, "\(server.port)", Data(stuffed).base64EncodedString()],
            mergeStandardError: true
        )
        defer { client.terminate() }
        #expect(try client.waitForExit(timeout: .seconds(10)) == 0, "\(client.standardOutput())")
        let transcript = client.standardOutput()
        #expect(transcript.contains("250-SIZE 10000"), "\(transcript)")
        #expect(transcript.contains("250-SMTPUTF8"), "\(transcript)")
        #expect(transcript.contains("552"), "\(transcript)")  // SIZE=20000 is over the limit

        let messages = try await server.waitForMessages(count: 1, timeout: .seconds(5))
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.clientHostname == "client.example")
        #expect(message.mailFrom == "j\u{f6}rg@example.com")
        #expect(message.mailOptions == ["SIZE=100", "BODY=8BITMIME", "SMTPUTF8"])
        #expect(message.recipients == ["ann@example.com"])
        let expected = Array("Subject: bytes\r\n\r\n.leading dot\r\nbare\nLF and \u{e9}\r\n..\r\nno final line end\r\n".utf8)
        #expect(message.data == expected)
    }

    @Test("waitForMessages says how many arrived when it times out")
    func aiosmtpdWaitTimesOut() async throws {
        let server = try await AiosmtpdServer.start()
        defer { server.stop() }
        let result = try Swaks.send(to: server.port, from: "app@example.com", recipients: ["ann@example.com"])
        #expect(result.succeeded, "\(result)")
        let error = await #expect(throws: ChildProcess.Failure.self) {
            _ = try await server.waitForMessages(count: 2, timeout: .milliseconds(200))
        }
        #expect(error?.description.contains("but 1 arrived") == true, "\(String(describing: error))")
    }

    @Test("smtp-sink counts exactly the messages swaks sent")
    func smtpSinkCounts() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        #expect(try sink.deliveredCount() == 0)
        for index in 1...3 {
            let result = try Swaks.send(
                to: sink.port, from: "app@example.com", recipients: ["ann@example.com"], body: "Message \(index)."
            )
            #expect(result.succeeded, "\(result)")
        }
        try await sink.waitForDelivered(count: 3, timeout: .seconds(5))
        #expect(try sink.deliveredCount() == 3)
    }

    @Test("smtp-sink with -r RCPT refuses swaks and counts nothing")
    func smtpSinkRefusingRecipients() async throws {
        let sink = try await SMTPSink.start(arguments: ["-r", "RCPT"])
        defer { sink.stop() }
        let result = try Swaks.send(to: sink.port, from: "app@example.com", recipients: ["ann@example.com"])
        #expect(!result.succeeded)
        #expect(result.exitStatus == 24, "\(result)")
        #expect(result.transcript.contains("450 4.3.0"), "\(result)")
        #expect(try sink.deliveredCount() == 0)
        let error = await #expect(throws: ChildProcess.Failure.self) {
            try await sink.waitForDelivered(count: 1, timeout: .milliseconds(200))
        }
        #expect(error?.description.contains("received 0") == true, "\(String(describing: error))")
    }

    /// An SMTP client that sends exactly what it is told: argv[1] port, argv[2] the DATA bytes (base64,
    /// already dot-stuffed, without the final `.`). Prints every reply line.
    private static let rawClient = #"""
        import base64, socket, sys
        connection = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        replies = connection.makefile("rb")
        def reply():
            while True:
                line = replies.readline()
                print(line.decode("utf-8", "replace").rstrip(), flush=True)
                if line[3:4] != b"-":
                    return line
        def command(text, expected):
            connection.sendall(text.encode("utf-8") + b"\r\n")
            line = reply()
            if not line.startswith(expected.encode()):
                sys.exit("unexpected reply to %r: %r" % (text, line))
        reply()
        command("EHLO client.example", "250")
        command("MAIL FROM:<big@example.com> SIZE=20000", "552")
        command("MAIL FROM:<j\u00f6rg@example.com> SIZE=100 BODY=8BITMIME SMTPUTF8", "250")
        command("RCPT TO:<ann@example.com>", "250")
        command("DATA", "354")
        connection.sendall(base64.b64decode(sys.argv[2]) + b"\r\n.\r\n")
        if not reply().startswith(b"250"):
            sys.exit("DATA refused")
        command("QUIT", "221")
        """#
}
