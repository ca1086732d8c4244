import Foundation
import Logging
import MailTimeSMTPServer
import MailTimeTLS
import MailTimeTestSupport
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// The listener on 127.0.0.1, port 0, with the fake delegate, driven by real clients.
@Suite("SMTP server over sockets", .tags(.peer), .unlessSkipped(.peer))
struct SMTPServerSocketTests {
    @Test("Python's smtplib: STARTTLS, AUTH PLAIN, send_message with an attachment, then SMTPUTF8; the bytes arrive unchanged")
    func pythonSmtplib() async throws {
        let delegate = FakeSMTPServerDelegate()
        let script = #"""
            import base64, smtplib, ssl, sys
            from email.message import EmailMessage
            from email import policy
            first = EmailMessage()
            first['From'] = 'ann@example.com'
            first['To'] = 'bob@example.org'
            first['Subject'] = 'Grüße aus Köln'
            first.set_content('Hallo Welt\n.a line with a leading dot\n')
            first.add_attachment(bytes(range(256)), maintype='application', subtype='octet-stream', filename='all.bin')
            second = EmailMessage(policy=policy.SMTPUTF8)
            second['From'] = 'jörg@example.com'
            second['To'] = 'zoë@example.org'
            second['Subject'] = 'Ünïcödé'
            second.set_content('Grüße\n', cte='8bit')
            # Flattened before sending, so that the multipart boundary is fixed for both.
            for message in (first, second):
                wire = message.as_bytes(policy=message.policy.clone(linesep='\r\n'))
                print(base64.b64encode(wire).decode())
            s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)
            s.starttls(context=ssl._create_unverified_context())
            s.login('ann', 's3cret')
            s.send_message(first)
            s.send_message(second)
            s.quit()
            """#
        try await Self.withServer(delegate: delegate) { port, _ in
            let python = try ChildProcess.launch("python3", arguments: ["-c", script, "\(port)"], mergeStandardError: true)
            defer { python.terminate() }
            _ = try await ChildProcess.poll(timeout: .seconds(60)) { !python.isRunning }
            #expect(python.exitStatus == 0, "\(python.standardOutput())")
            let sent = python.standardOutput().split(separator: "\n").compactMap { Data(base64Encoded: String($0)) }
            let received = delegate.received
            try #require(received.count == 2 && sent.count == 2, "\(python.standardOutput())")
            #expect(received[0].transaction.reversePath == "ann@example.com")
            #expect(received[0].transaction.recipients == ["bob@example.org"])
            #expect(!received[0].transaction.isSMTPUTF8)
            #expect(Data(received[0].transaction.message.readableBytesView) == sent[0])
            #expect(received[0].session.isTLS)
            #expect(received[0].session.tlsProtocol != nil)
            #expect(received[0].session.identity?.username == "ann")
            #expect(received[1].transaction.reversePath == "jörg@example.com")
            #expect(received[1].transaction.recipients == ["zoë@example.org"])
            #expect(received[1].transaction.isSMTPUTF8)
            #expect(received[1].transaction.bodyType == .eightBitMIME)
            #expect(Data(received[1].transaction.message.readableBytesView) == sent[1])
            #expect(delegate.logins == ["ann"])
        }
    }

    @Test("swaks with implicit TLS and AUTH LOGIN is accepted; a wrong password gets 535 5.7.8")
    func swaksImplicitTLS() async throws {
        let delegate = FakeSMTPServerDelegate()
        try await Self.withServer(tlsMode: .implicitTLS, delegate: delegate) { port, _ in
            let accepted = try await Self.swaks(
                port: port, ["--tls-on-connect", "--auth", "LOGIN", "--auth-user", "bob", "--auth-password", "s3cret"])
            #expect(accepted.status == 0, "\(accepted.transcript)")
            #expect(accepted.transcript.contains("250 2.0.0 m1 queued"), "\(accepted.transcript)")
            let refused = try await Self.swaks(port: port, ["--tls-on-connect", "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", "wrong"])
            #expect(refused.status == 28, "\(refused.transcript)")
            #expect(refused.transcript.contains("535 5.7.8"))
            let received = delegate.received
            try #require(received.count == 1)
            #expect(received[0].session.isTLS)
            #expect(received[0].session.identity?.username == "bob")
            #expect(received[0].transaction.recipients == ["b@example.org"])
        }
    }

    @Test("AUTH before STARTTLS gets 530 5.7.0; swaks with STARTTLS and AUTH PLAIN is accepted")
    func authBeforeTLS() async throws {
        try await Self.withServer(delegate: FakeSMTPServerDelegate()) { port, _ in
            let early = try await Self.converse(port: port, [("", "220 "), ("EHLO c\r\nAUTH PLAIN AGJvYgBzM2NyZXQ=\r\n", "530 ")])
            #expect(early.hasSuffix("530 5.7.0 Must issue a STARTTLS command first\r\n"), "\(early)")
            let plain = try await Self.swaks(port: port, ["-tls", "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", "s3cret"])
            #expect(plain.status == 0, "\(plain.transcript)")
        }
    }

    @Test("BDAT from a trusted network without AUTH, chunks pipelined, over a raw connection")
    func bdat() async throws {
        let delegate = FakeSMTPServerDelegate()
        var configuration = Self.configuration()
        configuration.trustedNetworks = [try IPNetwork("127.0.0.0/8")]
        try await Self.withServer(configuration: configuration, delegate: delegate) { port, _ in
            let transcript = try await Self.converse(
                port: port,
                [
                    ("", "220 "),
                    ("EHLO c\r\n", "250 STARTTLS"),
                    ("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 12\r\nSubject: x\r\n", "12 octets received"),
                    ("BDAT 7 LAST\r\n\r\n.body", "queued"),
                    ("QUIT\r\n", "221 "),
                ]
            )
            #expect(transcript.contains("250 2.0.0 m1 queued"), "\(transcript)")
            let received = delegate.received
            try #require(received.count == 1)
            #expect(received[0].transaction.message.readableBytesView.elementsEqual("Subject: x\r\n\r\n.body\r\n".utf8))
            #expect(received[0].session.isTrusted)
            #expect(received[0].session.identity == nil)
        }
    }

    @Test("a client that drops the connection in the middle of DATA stores nothing")
    func dropInData() async throws {
        let delegate = FakeSMTPServerDelegate()
        var configuration = Self.configuration()
        configuration.trustedNetworks = [try IPNetwork("127.0.0.1")]
        try await Self.withServer(configuration: configuration, delegate: delegate) { port, _ in
            _ = try await Self.converse(
                port: port,
                [("", "220 "), ("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n", "354 "), ("Subject: half\r\n", "")]
            )
            try await Task.sleep(for: .milliseconds(200))
            #expect(delegate.received.isEmpty)
        }
    }

    @Test("over the connection limit a client gets 421 4.3.2; on shutdown an idle session gets 421 4.3.2")
    func connectionLimitAndShutdown() async throws {
        var configuration = Self.configuration()
        configuration.maximumConnections = 1
        try await Self.withServer(configuration: configuration, delegate: FakeSMTPServerDelegate()) { port, group in
            try await Self.connect(port: port).executeThenClose { inbound, _ in
                var replies = inbound.makeAsyncIterator()
                #expect(try await Self.read(&replies, until: "220 ").hasPrefix("220 "))
                let second = try await Self.converse(port: port, [("", "421 ")])
                #expect(second.hasPrefix("421 4.3.2"), "\(second)")
                await group.triggerGracefulShutdown()
                let goodbye = try await Self.read(&replies, until: "421 ")
                #expect(goodbye.hasPrefix("421 4.3.2"), "\(goodbye)")
            }
        }
    }

    @Test("a port in use is a startup error with a stable code, and so is implicit TLS without a context")
    func startupErrors() async throws {
        try await Self.withServer(delegate: FakeSMTPServerDelegate()) { port, _ in
            var configuration = Self.configuration()
            configuration.port = port
            let second = SMTPServer(configuration: configuration, tlsContext: nil, delegate: FakeSMTPServerDelegate(), logger: .quiet)
            await #expect {
                try await second.run()
            } throws: { error in
                guard let error = error as? SMTPServerError else { return false }
                return error.code == .addressUnavailable && error.message.hasPrefix("cannot listen for SMTP on 127.0.0.1 port \(port): ")
            }
        }
        var implicit = Self.configuration()
        implicit.tlsMode = .implicitTLS
        let server = SMTPServer(configuration: implicit, tlsContext: nil, delegate: FakeSMTPServerDelegate(), logger: .quiet)
        await #expect {
            try await server.run()
        } throws: { error in
            (error as? SMTPServerError)?.code == .tlsContextMissing
        }
    }

    // MARK: - Helpers

    /// Sessions time out after 30 s, so that a conversation waiting for a reply that never comes ends.
    private static func configuration() -> SMTPServerConfiguration {
        SMTPServerConfiguration(host: "127.0.0.1", port: 0, hostname: "mx.test", maximumMessageSize: 1 << 20, commandTimeout: .seconds(30))
    }

    /// Runs the listener with a fresh certificate around `body` (given the port and the service group),
    /// then shuts it down gracefully.
    private static func withServer(
        configuration: SMTPServerConfiguration = Self.configuration(),
        tlsMode: SMTPServerConfiguration.TLSMode = .startTLS,
        delegate: FakeSMTPServerDelegate,
        _ body: (Int, ServiceGroup) async throws -> Void
    ) async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let tlsContext = try TLSContext(
            configuration: .server(certificateChain: .file(certificate.certificateFile), privateKey: .file(certificate.privateKeyFile))
        )
        var configuration = configuration
        configuration.tlsMode = tlsMode
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let server = SMTPServer(
            configuration: configuration,
            tlsContext: tlsContext,
            delegate: delegate,
            onListening: { portContinuation.yield($0) },
            logger: .quiet
        )
        let group = ServiceGroup(configuration: .init(services: [server], logger: .quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the server did not listen") }
            do {
                try await body(port, group)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Runs swaks from a@example.com to b@example.org against the listener without blocking a test thread.
    private static func swaks(port: Int, _ arguments: [String]) async throws -> (status: Int32?, transcript: String) {
        let swaks = try ChildProcess.launch(
            "swaks",
            arguments: ["--server", "127.0.0.1", "--port", "\(port)", "--from", "a@example.com", "--to", "b@example.org", "--timeout", "30s"]
                + arguments,
            mergeStandardError: true
        )
        defer { swaks.terminate() }
        _ = try await ChildProcess.poll(timeout: .seconds(90)) { !swaks.isRunning }
        return (swaks.exitStatus, swaks.standardOutput())
    }

    private static func connect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    }

    /// Reads until the text received contains `expected` and ends a line, or the connection ends.
    private static func read(_ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, until expected: String) async throws -> String
    {
        var text = ""
        while !(text.contains(expected) && text.hasSuffix("\r\n")) {
            guard let bytes = try await iterator.next() else { break }
            text += String(decoding: bytes.readableBytesView, as: UTF8.self)
        }
        return text
    }

    /// Sends each step's text and reads until its expected reply (nothing when empty); returns all replies.
    private static func converse(port: Int, _ steps: [(send: String, expect: String)]) async throws -> String {
        let channel = try await connect(port: port)
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            var transcript = ""
            for step in steps {
                if !step.send.isEmpty { try await outbound.write(ByteBuffer(string: step.send)) }
                if !step.expect.isEmpty { transcript += try await read(&iterator, until: step.expect) }
            }
            return transcript
        }
    }
}
