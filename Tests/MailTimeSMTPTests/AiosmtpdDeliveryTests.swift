import Foundation
import MailTimeMessage
import MailTimeSMTP
import MailTimeTLS
import MailTimeTestSupport
import Testing

/// The client against Python's aiosmtpd with STARTTLS and AUTH; each received message is read back
/// by Python's `email` package and compared field by field.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct AiosmtpdDeliveryTests {
    let logger = SMTPTestSupport.logger
    let authority: SMTPTestSupport.TestAuthority
    let credentials = SMTPCredentials(username: "app", secret: "s3cret-Pässword")

    init() throws {
        authority = try SMTPTestSupport.TestAuthority()
    }

    func startTLSServer(_ configure: (inout AiosmtpdServer.Options) -> Void = { _ in }) async throws -> AiosmtpdServer {
        var options = AiosmtpdServer.Options(
            tls: .startTLS(certificateFile: authority.certificateFile, privateKeyFile: authority.privateKeyFile),
            requireTLS: true,
            users: ["app": "s3cret-Pässword"],
            requireAuthentication: true,
            smtpUTF8: true
        )
        configure(&options)
        return try await AiosmtpdServer.start(options)
    }

    func send(
        _ message: ComposedMessage, to server: AiosmtpdServer, policy: SMTPTLSPolicy = .startTLSRequired,
        credentials: SMTPCredentials?, configure: (inout SMTPClientConfiguration) -> Void = { _ in }
    ) async throws(SMTPError) -> SMTPDeliveryResult {
        var configuration = authority.client(port: server.port, policy: policy, credentials: credentials)
        configure(&configuration)
        let connection = try await SMTPConnection.connect(configuration: configuration, logger: logger)
        let result = try await connection.send(message)
        await connection.close()
        return result
    }

    @Test func aRichMessageArrivesIntactOverSTARTTLSWithAUTHPLAIN() async throws {
        let server = try await startTLSServer()
        let longLine = String(repeating: "Lorem ipsum dolor sit amet, ", count: 80)
        let image = (0..<3000).map { UInt8($0 % 251) }
        let email = Email(
            from: try EmailAddress("Zoë Ångström <zoe@example.com>"),
            to: [try EmailAddress("Bob <bob@example.org>"), try EmailAddress("carol@example.org")],
            cc: [try EmailAddress("\"Doe, Jane\" <jane@example.net>")],
            bcc: [try EmailAddress("Secret Person <secret@example.net>")],
            replyTo: [try EmailAddress("Support — 日本語 <help@example.com>")],
            subject: "Grüße aus Köln — 你好 🌍",
            text: ".starts with a dot\n..two dots\n.\nend\n\(longLine)\n",
            html: "<p>Hi <img src=\"cid:logo@example.com\"></p><p>\(longLine)</p>",
            headers: [Email.Header(name: "X-Campaign", value: "spring-2026")],
            attachments: [
                Email.Attachment(filename: "report.pdf", content: Array("%PDF-1.4 binary \u{0}\u{1}\u{2}".utf8), contentType: "application/pdf"),
                Email.Attachment(filename: "logo.png", content: image, contentType: "image/png", contentID: "logo@example.com"),
            ],
            messageID: "<rich.1@example.com>"
        )
        let message = try MessageComposer().compose(email, date: SMTPTestSupport.date)
        let result = try await send(message, to: server, credentials: credentials)
        #expect(result.accepted.map(\.recipient.address) == ["bob@example.org", "carol@example.org", "jane@example.net", "secret@example.net"])

        let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
        #expect(received.tls)
        #expect(received.user == "app")
        #expect(received.mailFrom == "zoe@example.com")
        #expect(received.recipients == ["bob@example.org", "carol@example.org", "jane@example.net", "secret@example.net"])
        #expect(received.mailOptions.contains("SIZE=\(message.bytes.count)") || received.mailOptions.isEmpty)
        // Byte for byte what was composed: dot-stuffing undone by the server, nothing else changed.
        #expect(received.data == message.bytes)

        let parsed = try PythonEmailParser.parse(received.data)
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.subject == "Grüße aus Köln — 你好 🌍")
        #expect(parsed.from == [.init(name: "Zoë Ångström", address: "zoe@example.com")])
        #expect(parsed.to == [.init(name: "Bob", address: "bob@example.org"), .init(name: "", address: "carol@example.org")])
        #expect(parsed.cc == [.init(name: "Doe, Jane", address: "jane@example.net")])
        #expect(parsed.replyTo == [.init(name: "Support — 日本語", address: "help@example.com")])
        #expect(parsed.messageID == "<rich.1@example.com>")
        #expect(parsed.headers["X-Campaign"] == "spring-2026")
        #expect(!parsed.headerNames.contains { $0.lowercased() == "bcc" })
        #expect(!received.text.contains("secret@example.net"))
        #expect(parsed.longestLine <= 998)
        let text = try #require(parsed.leaves.first { $0.contentType == "text/plain" }?.text)
        #expect(text.replacingOccurrences(of: "\r\n", with: "\n") == ".starts with a dot\n..two dots\n.\nend\n\(longLine)\n")
        let inline = try #require(parsed.leaves.first { $0.contentType == "image/png" })
        #expect(inline.contentID == "<logo@example.com>")
        #expect(inline.bytes == image)
        let pdf = try #require(parsed.leaves.first { $0.filename == "report.pdf" })
        #expect(pdf.bytes == Array("%PDF-1.4 binary \u{0}\u{1}\u{2}".utf8))
        #expect(parsed.structure.first == "multipart/mixed")
        #expect(parsed.structure.contains("multipart/related"))
        #expect(parsed.structure.contains("multipart/alternative"))
    }

    @Test func authLoginWorksToo() async throws {
        let server = try await startTLSServer()
        let login = SMTPCredentials(username: "app", secret: "s3cret-Pässword", mechanism: .login)
        let result = try await send(try SMTPTestSupport.message(), to: server, credentials: login)
        #expect(result.accepted.count == 1)
        #expect(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first?.user == "app")
    }

    @Test func aWrongPasswordIsTheProvidersFaultAndNothingIsSent() async throws {
        let server = try await startTLSServer()
        let wrong = SMTPCredentials(username: "app", secret: "wrong")
        let message = try SMTPTestSupport.message()
        await expectFailure(.authenticationFailed, kind: .provider) { () async throws(SMTPError) in
            _ = try await send(message, to: server, credentials: wrong)
        }
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test func credentialsNeverGoOverPlaintextUnlessAllowed() async throws {
        let server = try await AiosmtpdServer.start(
            AiosmtpdServer.Options(users: ["app": "s3cret-Pässword"], requireAuthentication: true, allowAuthenticationWithoutTLS: true)
        )
        let message = try SMTPTestSupport.message()
        await expectFailure(.authenticationUnavailable, kind: .provider) { () async throws(SMTPError) in
            _ = try await send(message, to: server, policy: .startTLSIfOffered, credentials: credentials)
        }
        #expect(try server.receivedMessages().isEmpty)
        let result = try await send(message, to: server, policy: .none, credentials: credentials) { $0.allowsPlaintextAuthentication = true }
        #expect(result.accepted.count == 1)
        let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first)
        #expect(!received.tls)
        #expect(received.user == "app")
    }

    @Test func theCertificateAndItsNameAreVerified() async throws {
        let server = try await startTLSServer()
        let message = try SMTPTestSupport.message()
        let stranger = try TLSKeyPair.certificateAuthority(commonName: "Someone Else's CA")
        await expectFailure(.tlsFailed, kind: .provider) { () async throws(SMTPError) in
            _ = try await send(message, to: server, credentials: credentials) {
                $0.tls = .client(trustRoots: .bundle(.pem(stranger.certificatePEM)))
            }
        }
        await expectFailure(.tlsFailed, kind: .provider) { () async throws(SMTPError) in
            _ = try await send(message, to: server, credentials: credentials) { $0.tlsServerName = "mail.other.example" }
        }
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test func implicitTLS() async throws {
        let server = try await AiosmtpdServer.start(
            AiosmtpdServer.Options(
                tls: .implicit(certificateFile: authority.certificateFile, privateKeyFile: authority.privateKeyFile),
                users: ["app": "s3cret-Pässword"],
                requireAuthentication: true
            )
        )
        let result = try await send(try SMTPTestSupport.message(), to: server, policy: .implicit, credentials: credentials)
        #expect(result.accepted.count == 1)
        let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first)
        #expect(received.tls)
        #expect(received.user == "app")
    }

    @Test func manyRecipientsGoInTransactionsOfAHundred() async throws {
        let server = try await startTLSServer()
        let recipients = (0..<250).map { "user\($0)@example.org" }
        let email = Email(
            from: try EmailAddress("app@example.com"),
            to: [try EmailAddress("list@example.org")],
            bcc: try recipients.map { try EmailAddress($0) },
            subject: "To many", text: "Hello, all.",
            messageID: "<many@example.com>"
        )
        let message = try MessageComposer().compose(email, date: SMTPTestSupport.date)
        let result = try await send(message, to: server, credentials: credentials)
        #expect(result.accepted.count == 251)
        let received = try await server.waitForMessages(count: 3, timeout: .seconds(10))
        #expect(received.map(\.recipients.count) == [100, 100, 51])
        #expect(received.flatMap(\.recipients) == ["list@example.org"] + recipients)
        #expect(Set(received.map(\.data)).count == 1)
    }

    @Test func aRejectedRecipientFailsAloneAndPermanently() async throws {
        let server = try await startTLSServer { $0.rejectedRecipients = ["nobody@example.org": "550 5.1.1 <nobody@example.org>: no such user"] }
        let message = try SMTPTestSupport.message(to: ["ann@example.org", "nobody@example.org", "bob@example.org"])
        let result = try await send(message, to: server, credentials: credentials)
        #expect(result.accepted.map(\.recipient.address) == ["ann@example.org", "bob@example.org"])
        let refused = try #require(result.failed.first)
        #expect(refused.recipient.address == "nobody@example.org")
        #expect(refused.failure?.kind == .permanent)
        #expect(refused.failure?.reply?.code == 550)
        #expect(refused.failure?.reply?.enhancedStatusCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
        #expect(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first?.recipients == ["ann@example.org", "bob@example.org"])
    }

    @Test func internationalAddressesNeedSMTPUTF8() async throws {
        let email = Email(
            from: try EmailAddress("app@example.com"), to: [try EmailAddress("jürgen@bücher.example")],
            subject: "Hallo", text: "Grüße", messageID: "<utf8@example.com>"
        )
        let message = try MessageComposer().compose(email, date: SMTPTestSupport.date)
        let server = try await startTLSServer()
        let result = try await send(message, to: server, credentials: credentials)
        #expect(result.accepted.count == 1)
        let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first)
        #expect(received.mailOptions.contains("SMTPUTF8"))
        // The local part as given, the domain as an A-label.
        #expect(received.recipients == ["jürgen@xn--bcher-kva.example"])

        let plain = try await startTLSServer { $0.smtpUTF8 = false }
        await expectFailure(.smtpUTF8Unsupported, kind: .permanent) { () async throws(SMTPError) in
            _ = try await send(message, to: plain, credentials: credentials)
        }
        #expect(try plain.receivedMessages().isEmpty)
    }

    @Test func idnDomainsArriveAsALabelsAtAServerWithoutSMTPUTF8() async throws {
        let email = Email(
            from: try EmailAddress("App <app@bücher.example>"), to: [try EmailAddress("Ann <ann@例子.广告>")],
            subject: "Hallo", text: "Grüße", messageID: "<idn@example.com>"
        )
        let message = try MessageComposer().compose(email, date: SMTPTestSupport.date)
        #expect(!message.needsSMTPUTF8)
        let server = try await startTLSServer { $0.smtpUTF8 = false }
        let result = try await send(message, to: server, credentials: credentials)
        #expect(result.accepted.map(\.recipient.address) == ["ann@xn--fsqu00a.xn--4rr70v"])
        let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(5)).first)
        #expect(received.mailFrom == "app@xn--bcher-kva.example")
        #expect(received.recipients == ["ann@xn--fsqu00a.xn--4rr70v"])
        #expect(!received.mailOptions.contains("SMTPUTF8"))
        #expect(received.data == message.bytes)
        #expect(received.data.allSatisfy { $0 < 0x80 })
        let parsed = try PythonEmailParser.parse(received.data)
        #expect(parsed.from == [.init(name: "App", address: "app@xn--bcher-kva.example")])
        #expect(parsed.to == [.init(name: "Ann", address: "ann@xn--fsqu00a.xn--4rr70v")])
    }

    @Test func aMessageOverTheServersSizeLimitIsRefusedBeforeSending() async throws {
        let server = try await startTLSServer { $0.maximumMessageSize = 200 }
        let message = try SMTPTestSupport.message()
        await expectFailure(.messageTooLarge, kind: .permanent) { () async throws(SMTPError) in
            _ = try await send(message, to: server, credentials: credentials)
        }
        #expect(try server.receivedMessages().isEmpty)
    }
}
