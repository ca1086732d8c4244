@testable import MailTimeSMTP
import MailTimeMessage
import NIOCore
import Testing

extension SMTPClientStateMachine {
    /// Parses `wire` as one reply and feeds it in.
    fileprivate mutating func feed(_ wire: String) throws -> Action {
        replyReceived(try SMTPClientStateMachineTests.reply(wire))
    }
}

/// `SMTPClientStateMachine`: a whole SMTP session, driven by replies, with every action checked.
@Suite struct SMTPClientStateMachineTests {
    typealias Machine = SMTPClientStateMachine
    typealias Action = SMTPClientStateMachine.Action

    // MARK: - Helpers

    /// One complete reply, parsed from its wire text exactly as the handler would.
    static func reply(_ wire: String) throws -> SMTPReply {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: wire)
        let reply = try #require(try parser.next(from: &buffer), "not a complete reply: \(wire)")
        #expect(buffer.readableBytes == 0, "more than one reply in: \(wire)")
        return reply
    }

    static let localName = "client.example.org"
    static let greeting = "220 mx.example.net ESMTP Postfix\r\n"
    /// No PIPELINING, no STARTTLS, no AUTH.
    static let sequentialEHLO = "250-mx.example.net\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
    static let pipeliningEHLO = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
    static let credentials = SMTPCredentials(username: "user", secret: "secret")
    /// base64("\0user\0secret")
    static let plainResponse = "AHVzZXIAc2VjcmV0"
    static let message = "Subject: x\r\n\r\nhi\r\n"
    static let messageSize = 18

    static func configuration(
        tls: SMTPTLSPolicy = .none,
        credentials: SMTPCredentials? = nil,
        allowsPlaintextAuthentication: Bool = false,
        usesPipelining: Bool = true
    ) -> SMTPClientConfiguration {
        SMTPClientConfiguration(
            host: "mx.example.net", port: 25, tlsPolicy: tls, credentials: credentials,
            allowsPlaintextAuthentication: allowsPlaintextAuthentication, localName: localName, usesPipelining: usesPipelining
        )
    }

    /// A machine past greeting and EHLO, ready for requests.
    static func ready(
        _ configuration: SMTPClientConfiguration = SMTPClientStateMachineTests.configuration(),
        ehlo: String = SMTPClientStateMachineTests.sequentialEHLO,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Machine {
        var machine = Machine(configuration: configuration)
        let greeted = try machine.feed(greeting)
        #expect(greeted == .write([.ehlo(localName)]), sourceLocation: sourceLocation)
        let ehloReply = try reply(ehlo)
        let answered = machine.replyReceived(ehloReply)
        #expect(answered == .sessionReady(SMTPCapabilities(ehloReply: ehloReply)), sourceLocation: sourceLocation)
        try #require(machine.isReady, sourceLocation: sourceLocation)
        return machine
    }

    /// A machine that sent a message to b@example.net and now awaits the reply to its final ".".
    static func awaitingFinalReply(
        ehlo: String = SMTPClientStateMachineTests.sequentialEHLO,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Machine {
        var machine = try ready(ehlo: ehlo, sourceLocation: sourceLocation)
        let transaction = try transaction(to: ["b@example.net"])
        _ = machine.startTransaction(transaction)
        _ = try machine.feed("250 2.1.0 Ok\r\n")
        _ = try machine.feed("250 2.1.5 Ok\r\n")
        #expect(try machine.feed("354 go ahead\r\n") == .writeData(transaction.data), sourceLocation: sourceLocation)
        return machine
    }

    static func transaction(
        from sender: String? = "a@example.com",
        to recipients: [String],
        message: String = SMTPClientStateMachineTests.message,
        needsSMTPUTF8: Bool = false,
        needs8BitMIME: Bool = false
    ) throws -> Machine.Transaction {
        Machine.Transaction(
            envelope: SMTPEnvelope(
                sender: try sender.map { try EmailAddress($0) },
                recipients: try recipients.map { try EmailAddress($0) }
            ),
            data: SMTPMessageData(Array(message.utf8)),
            needsSMTPUTF8: needsSMTPUTF8,
            needs8BitMIME: needs8BitMIME
        )
    }

    static func rcpt(_ address: String) -> SMTPCommand {
        .recipient(to: address, parameters: [])
    }

    static func expectError(
        _ error: SMTPError?, _ code: SMTPError.Code, _ kind: SMTPError.Kind?, reply: SMTPReply?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error else {
            Issue.record("expected an error \(code), got none", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == code, sourceLocation: sourceLocation)
        if let kind { #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation) }
        #expect(error.reply == reply, sourceLocation: sourceLocation)
    }

    /// `action` closes with an error of `code` and `kind` (any kind when `nil`) caused by `reply`.
    static func expectClose(
        _ action: Action, _ code: SMTPError.Code, _ kind: SMTPError.Kind?, reply: SMTPReply? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .close(let error?) = action else {
            Issue.record("expected .close(\(code)), got \(action)", sourceLocation: sourceLocation)
            return
        }
        expectError(error, code, kind, reply: reply, sourceLocation: sourceLocation)
    }

    static func expectTransactionFailed(
        _ action: Action, _ code: SMTPError.Code, _ kind: SMTPError.Kind?, reply: SMTPReply? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .transactionFailed(let error) = action else {
            Issue.record("expected .transactionFailed(\(code)), got \(action)", sourceLocation: sourceLocation)
            return
        }
        expectError(error, code, kind, reply: reply, sourceLocation: sourceLocation)
    }

    enum Expected {
        case accepted(SMTPReply)
        case failed(SMTPError.Code, SMTPError.Kind, SMTPReply)
    }

    static func expectCompleted(
        _ action: Action, _ recipients: [(String, Expected)], dataReply: SMTPReply?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .transactionCompleted(let result) = action else {
            Issue.record("expected .transactionCompleted, got \(action)", sourceLocation: sourceLocation)
            return
        }
        #expect(result.dataReply == dataReply, sourceLocation: sourceLocation)
        #expect(result.recipients.map(\.recipient.address) == recipients.map(\.0), sourceLocation: sourceLocation)
        for (actual, (address, expected)) in zip(result.recipients, recipients) {
            switch expected {
            case .accepted(let reply):
                #expect(actual.outcome == .accepted(reply), "\(address)", sourceLocation: sourceLocation)
                #expect(actual.isAccepted, sourceLocation: sourceLocation)
            case .failed(let code, let kind, let reply):
                #expect(!actual.isAccepted, "\(address)", sourceLocation: sourceLocation)
                expectError(actual.failure, code, kind, reply: reply, sourceLocation: sourceLocation)
            }
        }
    }

    static func expectAwaited(
        _ machine: Machine, _ step: SMTPTimeouts.Step?, bodySize: Int = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let awaited = machine.awaitedStep
        #expect(awaited?.step == step, sourceLocation: sourceLocation)
        if step != nil { #expect(awaited?.bodySize == bodySize, sourceLocation: sourceLocation) }
    }

    // MARK: - Greeting

    @Test func greetingIsAnsweredWithEHLO() throws {
        var machine = Machine(configuration: Self.configuration())
        #expect(!machine.isReady)
        Self.expectAwaited(machine, .greeting)
        #expect(try machine.feed(Self.greeting) == .write([.ehlo("client.example.org")]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
    }

    @Test func multilineGreetingIsAnsweredWithEHLO() throws {
        var machine = Machine(configuration: Self.configuration())
        #expect(try machine.feed("220-mx.example.net ESMTP\r\n220 No UCE\r\n") == .write([.ehlo(Self.localName)]))
    }

    @Test func greeting554RejectsTheSession() throws {
        var machine = Machine(configuration: Self.configuration())
        let reply = try Self.reply("554 mx.example.net No SMTP service here\r\n")
        Self.expectClose(machine.replyReceived(reply), .sessionRejected, .provider, reply: reply)
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed("220 changed my mind\r\n") == .none)
    }

    @Test func greeting421IsATemporaryServiceNotAvailable() throws {
        var machine = Machine(configuration: Self.configuration())
        let reply = try Self.reply("421 4.3.2 mx.example.net Service not available, try again later\r\n")
        Self.expectClose(machine.replyReceived(reply), .serviceNotAvailable, .temporary, reply: reply)
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed(Self.greeting) == .none)
    }

    /// A server that will not talk to the client at all is the provider's failure, whatever its reply
    /// code: no message was judged, so none is permanently undeliverable.
    @Test(arguments: [
        ["554 No SMTP service here\r\n"],
        ["554 5.3.2 Not accepting messages\r\n"],
        ["550 go away\r\n"],
        ["220 hi\r\n", "502 5.5.2 EHLO not recognized\r\n", "501 Syntax: HELO hostname\r\n"],
        ["220 hi\r\n", "500 Command unrecognized\r\n", "550 Access denied\r\n"],
    ])
    func sessionRefusalsAreTheProviders(replies: [String]) throws {
        var machine = Machine(configuration: Self.configuration())
        var action = Action.none
        for wire in replies { action = try machine.feed(wire) }
        Self.expectClose(action, .sessionRejected, .provider, reply: try Self.reply(replies.last!))
    }

    // MARK: - EHLO and HELO

    @Test(arguments: ["502 5.5.2 Error: command not recognized\r\n", "500 Syntax error, command unrecognized\r\n", "504 Not implemented\r\n"])
    func ehloRefusedFallsBackToHELO(ehloReply: String) throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered))
        #expect(try machine.feed(Self.greeting) == .write([.ehlo(Self.localName)]))
        #expect(try machine.feed(ehloReply) == .write([.helo("client.example.org")]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
        #expect(try machine.feed("250 mx.example.net\r\n") == .sessionReady(SMTPCapabilities()))
        #expect(machine.isReady)
        #expect(machine.capabilities == SMTPCapabilities())
        #expect(!machine.capabilities.isExtended)
        Self.expectAwaited(machine, nil)
    }

    @Test func heloRefusedCloses() throws {
        var machine = Machine(configuration: Self.configuration())
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed("502 5.5.2 Error: command not recognized\r\n") == .write([.helo(Self.localName)]))
        let refusal = try Self.reply("501 Syntax: HELO hostname\r\n")
        let action = machine.replyReceived(refusal)
        Self.expectClose(action, .sessionRejected, nil, reply: refusal)
        #expect(!machine.isReady)
        // No second fallback.
        #expect(try machine.feed("250 ok\r\n") == .none)
    }

    @Test func ehloTemporaryFailureClosesWithoutHELO() throws {
        var machine = Machine(configuration: Self.configuration())
        _ = try machine.feed(Self.greeting)
        let refusal = try Self.reply("451 4.3.0 Try again later\r\n")
        Self.expectClose(machine.replyReceived(refusal), .sessionRejected, nil, reply: refusal)
    }

    @Test func heloUnderRequiredTLSClosesForWantOfSTARTTLS() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed("502 5.5.2 Error: command not recognized\r\n") == .write([.helo(Self.localName)]))
        Self.expectClose(try machine.feed("250 mx.example.net\r\n"), .tlsUnavailable, .provider)
    }

    // MARK: - TLS

    static let startTLSEHLO = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"

    @Test func policyNoneNeverStartsTLS() throws {
        var machine = Machine(configuration: Self.configuration(tls: .none))
        _ = try machine.feed(Self.greeting)
        let ehlo = try Self.reply(Self.startTLSEHLO)
        let action = machine.replyReceived(ehlo)
        #expect(action == .sessionReady(SMTPCapabilities(ehloReply: ehlo)))
        #expect(machine.capabilities.startTLS)
        #expect(machine.isReady)
    }

    @Test(arguments: [SMTPTLSPolicy.startTLSIfOffered, .startTLSRequired])
    func startTLSWhenOffered(policy: SMTPTLSPolicy) throws {
        var machine = Machine(configuration: Self.configuration(tls: policy))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
        #expect(try machine.feed("220 2.0.0 Ready to start TLS\r\n") == .startTLS)
        // The TLS layer has its own handshake timeout; no SMTP reply is due.
        Self.expectAwaited(machine, nil)
        #expect(!machine.isReady)
        #expect(machine.tlsEstablished() == .write([.ehlo("client.example.org")]))
        #expect(machine.capabilities == SMTPCapabilities(), "what the server said before TLS is forgotten")
        Self.expectAwaited(machine, .command)
        let secureEHLO = try Self.reply("250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 2000\r\n")
        #expect(machine.replyReceived(secureEHLO) == .sessionReady(SMTPCapabilities(ehloReply: secureEHLO)))
        #expect(machine.capabilities.maximumSize == 2000)
        #expect(!machine.capabilities.startTLS)
        #expect(machine.capabilities.authenticationMechanisms.isEmpty)
        #expect(machine.isReady)
    }

    @Test func startTLSIfOfferedContinuesInPlaintextWhenNotOffered() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered))
        _ = try machine.feed(Self.greeting)
        let ehlo = try Self.reply(Self.pipeliningEHLO)
        #expect(machine.replyReceived(ehlo) == .sessionReady(SMTPCapabilities(ehloReply: ehlo)))
    }

    @Test func startTLSRequiredClosesWhenNotOffered() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired))
        _ = try machine.feed(Self.greeting)
        Self.expectClose(try machine.feed(Self.pipeliningEHLO), .tlsUnavailable, .provider, reply: nil)
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test(arguments: [
        "454 4.7.0 TLS not available due to temporary reason\r\n", "501 5.5.4 Syntax error\r\n", "502 5.5.1 STARTTLS not implemented\r\n",
    ])
    func startTLSRefusedUnderIfOfferedContinuesInPlaintext(refusal: String) throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered))
        _ = try machine.feed(Self.greeting)
        let ehlo = try Self.reply(Self.startTLSEHLO)
        #expect(machine.replyReceived(ehlo) == .write([.startTLS]))
        #expect(try machine.feed(refusal) == .sessionReady(SMTPCapabilities(ehloReply: ehlo)))
        #expect(machine.isReady)
        // And the session works in plaintext.
        let action = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(action == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"]), Self.rcpt("b@example.net"), .data]))
    }

    @Test func startTLSRefusedUnderRequiredCloses() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        let refusal = try Self.reply("454 4.7.0 TLS not available due to temporary reason\r\n")
        Self.expectClose(machine.replyReceived(refusal), .tlsUnavailable, .provider, reply: refusal)
        #expect(!machine.isReady)
    }

    @Test func startTLSRefusedWithPlaintextCredentialsForbiddenClosesBeforeAUTH() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered, credentials: Self.credentials))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        Self.expectClose(try machine.feed("454 4.7.0 TLS not available\r\n"), .authenticationUnavailable, .provider)
    }

    @Test func authenticationOnlyAnnouncedAfterTLS() throws {
        // Servers often offer AUTH only over TLS: the client must STARTTLS first, then AUTH.
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered, credentials: Self.credentials))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed("250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n") == .write([.startTLS]))
        #expect(try machine.feed("220 Go ahead\r\n") == .startTLS)
        #expect(machine.tlsEstablished() == .write([.ehlo(Self.localName)]))
        let secureEHLO = try Self.reply("250-mx.example.net\r\n250 AUTH PLAIN LOGIN\r\n")
        #expect(machine.replyReceived(secureEHLO) == .write([.authenticate(mechanism: "PLAIN", initialResponse: Self.plainResponse)]))
        var expected = SMTPCapabilities()
        expected.isExtended = true
        expected.authenticationMechanisms = ["PLAIN", "LOGIN"]
        #expect(try machine.feed("235 2.7.0 Authentication successful\r\n") == .sessionReady(expected))
        // PIPELINING and SIZE were only said before TLS.
        let action = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(action == .write([.mail(from: "a@example.com", parameters: [])]))
    }

    @Test func mechanismsFromBeforeTLSAreForgotten() throws {
        // Before TLS the server offers PLAIN; after it only LOGIN: LOGIN it is.
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired, credentials: Self.credentials))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        #expect(try machine.feed("220 Go ahead\r\n") == .startTLS)
        #expect(machine.tlsEstablished() == .write([.ehlo(Self.localName)]))
        #expect(try machine.feed("250-mx.example.net\r\n250 AUTH LOGIN\r\n") == .write([.authenticate(mechanism: "LOGIN", initialResponse: nil)]))
    }

    @Test func noSecondSTARTTLSAfterTLS() throws {
        // A server that still lists STARTTLS after the handshake does not get it again.
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        #expect(try machine.feed("220 Go ahead\r\n") == .startTLS)
        #expect(machine.tlsEstablished() == .write([.ehlo(Self.localName)]))
        let secureEHLO = try Self.reply(Self.startTLSEHLO)
        #expect(machine.replyReceived(secureEHLO) == .sessionReady(SMTPCapabilities(ehloReply: secureEHLO)))
    }

    @Test func replyDuringTheTLSHandshakeCloses() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.startTLS]))
        #expect(try machine.feed("220 Go ahead\r\n") == .startTLS)
        Self.expectClose(try machine.feed("250 injected\r\n"), .startTLSInjection, .provider)
        #expect(machine.tlsEstablished() == .none)
        #expect(!machine.isReady)
    }

    @Test func tlsEstablishedOutsideTheHandshakeIsIgnored() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSIfOffered))
        #expect(machine.tlsEstablished() == .none)
        Self.expectAwaited(machine, .greeting)
        var ready = try Self.ready(Self.configuration(tls: .startTLSIfOffered))
        #expect(ready.tlsEstablished() == .none)
        #expect(ready.isReady)
    }

    @Test func implicitTLSNeverSendsSTARTTLSAndAllowsAUTH() throws {
        var machine = Machine(configuration: Self.configuration(tls: .implicit, credentials: Self.credentials))
        #expect(try machine.feed(Self.greeting) == .write([.ehlo(Self.localName)]))
        #expect(try machine.feed(Self.startTLSEHLO) == .write([.authenticate(mechanism: "PLAIN", initialResponse: Self.plainResponse)]))
    }

    @Test func implicitTLSWithoutCredentials() throws {
        var machine = Machine(configuration: Self.configuration(tls: .implicit))
        _ = try machine.feed(Self.greeting)
        let ehlo = try Self.reply(Self.startTLSEHLO)
        #expect(machine.replyReceived(ehlo) == .sessionReady(SMTPCapabilities(ehloReply: ehlo)))
    }

    // MARK: - AUTH

    static let authEHLO =
        "250-smtp.example.com\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN XOAUTH2\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"

    /// A machine that has sent EHLO over implicit TLS and will authenticate with `credentials`.
    static func authenticating(_ credentials: SMTPCredentials?, ehlo: String = SMTPClientStateMachineTests.authEHLO) throws -> (Machine, Action) {
        var machine = Machine(configuration: configuration(tls: .implicit, credentials: credentials))
        _ = try machine.feed(greeting)
        let action = try machine.feed(ehlo)
        return (machine, action)
    }

    @Test func plainSendsUserAndSecretInTheInitialResponse() throws {
        let (started, action) = try Self.authenticating(Self.credentials)
        var machine = started
        #expect(action == .write([.authenticate(mechanism: "PLAIN", initialResponse: "AHVzZXIAc2VjcmV0")]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
        #expect(try machine.feed("235 2.7.0 Accepted\r\n") == .sessionReady(SMTPCapabilities(ehloReply: try Self.reply(Self.authEHLO))))
        #expect(machine.isReady)
    }

    @Test func plainInitialResponseOfNonASCIICredentials() throws {
        // base64("\0jürgen@example.de\0pä ss") computed independently.
        let (_, action) = try Self.authenticating(SMTPCredentials(username: "jürgen@example.de", secret: "pä ss"))
        #expect(action == .write([.authenticate(mechanism: "PLAIN", initialResponse: "AGrDvHJnZW5AZXhhbXBsZS5kZQBww6Qgc3M=")]))
    }

    @Test func loginSendsUserThenPasswordOnChallenges() throws {
        let (started, action) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .login))
        var machine = started
        #expect(action == .write([.authenticate(mechanism: "LOGIN", initialResponse: nil)]))
        #expect(try machine.feed("334 VXNlcm5hbWU6\r\n") == .write([.authenticationResponse("dXNlcg==")]))
        Self.expectAwaited(machine, .command)
        #expect(try machine.feed("334 UGFzc3dvcmQ6\r\n") == .write([.authenticationResponse("c2VjcmV0")]))
        Self.expectAwaited(machine, .command)
        #expect(
            try machine.feed("235 2.7.0 Authentication successful\r\n") == .sessionReady(SMTPCapabilities(ehloReply: try Self.reply(Self.authEHLO))))
        #expect(machine.isReady)
    }

    @Test func loginAskingAThirdTimeFails() throws {
        var (machine, _) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .login))
        #expect(try machine.feed("334 VXNlcm5hbWU6\r\n") == .write([.authenticationResponse("dXNlcg==")]))
        #expect(try machine.feed("334 UGFzc3dvcmQ6\r\n") == .write([.authenticationResponse("c2VjcmV0")]))
        let extra = try Self.reply("334 TW9yZTo=\r\n")
        Self.expectClose(machine.replyReceived(extra), .authenticationFailed, nil, reply: extra)
    }

    @Test func loginUserNameRefused() throws {
        var (machine, _) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .login))
        #expect(try machine.feed("334 VXNlcm5hbWU6\r\n") == .write([.authenticationResponse("dXNlcg==")]))
        let refusal = try Self.reply("535 5.7.8 Authentication credentials invalid\r\n")
        Self.expectClose(machine.replyReceived(refusal), .authenticationFailed, .provider, reply: refusal)
    }

    static let xoauth2 = SMTPCredentials(username: "user@example.com", secret: "ya29.token", mechanism: .xoauth2)
    /// base64("user=user@example.com\u{1}auth=Bearer ya29.token\u{1}\u{1}"), computed independently.
    static let xoauth2Response = "dXNlcj11c2VyQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHlhMjkudG9rZW4BAQ=="

    @Test func xoauth2SendsTheTokenInTheInitialResponse() throws {
        let (started, action) = try Self.authenticating(Self.xoauth2)
        var machine = started
        #expect(action == .write([.authenticate(mechanism: "XOAUTH2", initialResponse: Self.xoauth2Response)]))
        #expect(try machine.feed("235 2.7.0 Accepted\r\n") == .sessionReady(SMTPCapabilities(ehloReply: try Self.reply(Self.authEHLO))))
    }

    @Test func xoauth2ErrorChallengeGetsAnEmptyResponseThenFails() throws {
        let (started, action) = try Self.authenticating(Self.xoauth2)
        var machine = started
        #expect(action == .write([.authenticate(mechanism: "XOAUTH2", initialResponse: Self.xoauth2Response)]))
        // base64 of {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}
        let challenge = "334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n"
        #expect(try machine.feed(challenge) == .write([.authenticationResponse("")]))
        Self.expectAwaited(machine, .command)
        let refusal = try Self.reply(
            "535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials\r\n"
        )
        let closed = machine.replyReceived(refusal)
        Self.expectClose(closed, .authenticationFailed, .provider, reply: refusal)
        if case .close(let error?) = closed {
            #expect(error.message.contains(#""status":"400""#), "the decoded challenge explains the failure: \(error.message)")
            #expect(!error.message.contains("ya29.token"))
        }
        #expect(!machine.isReady)
    }

    @Test(arguments: [
        "535 5.7.8 Username and Password not accepted.\r\n",
        "535 Authentication failed\r\n",
        "534-5.7.9 Application-specific password required.\r\n534 5.7.9 Learn more\r\n",
        "454 4.7.0 Temporary authentication failure\r\n",
        "504 5.5.4 Unrecognized authentication type\r\n",
    ])
    func plainRefusedFailsAuthentication(refusal: String) throws {
        var (machine, _) = try Self.authenticating(Self.credentials)
        let reply = try Self.reply(refusal)
        let action = machine.replyReceived(reply)
        Self.expectClose(action, .authenticationFailed, .provider, reply: reply)
        if case .close(let error?) = action {
            #expect(!error.message.contains("secret"))
            #expect(!error.message.contains(Self.plainResponse))
        }
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test func serviceClosingDuringAUTHIsTemporary() throws {
        var (machine, _) = try Self.authenticating(Self.credentials)
        let reply = try Self.reply("421 4.7.0 Too many errors\r\n")
        Self.expectClose(machine.replyReceived(reply), .serviceNotAvailable, .temporary, reply: reply)
    }

    @Test func noCredentialsNoAUTH() throws {
        let (machine, action) = try Self.authenticating(nil)
        #expect(action == .sessionReady(SMTPCapabilities(ehloReply: try Self.reply(Self.authEHLO))))
        #expect(machine.isReady)
    }

    @Test(arguments: [SMTPTLSPolicy.none, .startTLSIfOffered])
    func credentialsOverPlaintextAreRefusedWithoutPermission(policy: SMTPTLSPolicy) throws {
        var machine = Machine(configuration: Self.configuration(tls: policy, credentials: Self.credentials))
        _ = try machine.feed(Self.greeting)
        // AUTH offered, no STARTTLS: the session would be plaintext.
        let action = try machine.feed(Self.authEHLO)
        Self.expectClose(action, .authenticationUnavailable, .provider, reply: nil)
        #expect(!machine.isReady)
    }

    @Test func credentialsOverPlaintextWithPermission() throws {
        var machine = Machine(configuration: Self.configuration(tls: .none, credentials: Self.credentials, allowsPlaintextAuthentication: true))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed(Self.authEHLO) == .write([.authenticate(mechanism: "PLAIN", initialResponse: Self.plainResponse)]))
    }

    @Test func configuredMechanismNotOfferedIsUnavailable() throws {
        let (started, action) = try Self.authenticating(
            SMTPCredentials(username: "user", secret: "secret", mechanism: .xoauth2),
            ehlo: "250-mx.example.net\r\n250 AUTH PLAIN LOGIN\r\n"
        )
        var machine = started
        Self.expectClose(action, .authenticationUnavailable, .provider, reply: nil)
        #expect(!machine.isReady)
        #expect(try machine.feed("235 ok\r\n") == .none)
    }

    @Test func configuredMechanismWinsOverThePreferredOne() throws {
        let (_, action) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .login))
        #expect(action == .write([.authenticate(mechanism: "LOGIN", initialResponse: nil)]))
    }

    @Test(arguments: [
        ("250-mx\r\n250 AUTH LOGIN PLAIN XOAUTH2\r\n", "PLAIN"),
        ("250-mx\r\n250 AUTH XOAUTH2 LOGIN CRAM-MD5 PLAIN\r\n", "PLAIN"),
        ("250-mx\r\n250 AUTH XOAUTH2 LOGIN CRAM-MD5\r\n", "LOGIN"),
        ("250-mx\r\n250 AUTH=LOGIN\r\n", "LOGIN"),
        ("250-mx\r\n250 auth login plain\r\n", "PLAIN"),
    ])
    func automaticChoicePrefersPLAINThenLOGIN(ehlo: String, mechanism: String) throws {
        let (_, action) = try Self.authenticating(Self.credentials, ehlo: ehlo)
        let expected: SMTPCommand =
            mechanism == "PLAIN"
            ? .authenticate(mechanism: "PLAIN", initialResponse: Self.plainResponse)
            : .authenticate(mechanism: "LOGIN", initialResponse: nil)
        #expect(action == .write([expected]))
    }

    @Test(arguments: [
        "250-mx\r\n250 AUTH XOAUTH2 CRAM-MD5 GSSAPI\r\n",
        "250-mx\r\n250 PIPELINING\r\n",
        "250 mx\r\n",
    ])
    func automaticChoiceWithNothingUsableIsUnavailable(ehlo: String) throws {
        let (_, action) = try Self.authenticating(Self.credentials, ehlo: ehlo)
        Self.expectClose(action, .authenticationUnavailable, .provider, reply: nil)
    }

    @Test func authenticationAfterHELOIsUnavailable() throws {
        var machine = Machine(configuration: Self.configuration(tls: .implicit, credentials: Self.credentials))
        _ = try machine.feed(Self.greeting)
        #expect(try machine.feed("502 5.5.2 Error: command not recognized\r\n") == .write([.helo(Self.localName)]))
        Self.expectClose(try machine.feed("250 mx\r\n"), .authenticationUnavailable, .provider, reply: nil)
    }

    @Test func authenticationCommandsNeverShowTheSecret() throws {
        var commands: [(Action, SMTPCommand)] = []
        func collect(_ action: Action) {
            if case .write(let written) = action { commands += written.map { (action, $0) } }
        }
        // PLAIN, XOAUTH2 and its empty response, LOGIN and its responses.
        collect(try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .plain)).1)
        let (xoauth2Started, first) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .xoauth2))
        var xoauth2 = xoauth2Started
        collect(first)
        collect(try xoauth2.feed("334 eyJzdGF0dXMiOiI0MDAifQ==\r\n"))
        let (loginStarted, start) = try Self.authenticating(SMTPCredentials(username: "user", secret: "secret", mechanism: .login))
        var login = loginStarted
        collect(start)
        collect(try login.feed("334 VXNlcm5hbWU6\r\n"))
        collect(try login.feed("334 UGFzc3dvcmQ6\r\n"))
        collect(.write([.authenticationResponse("c2VjcmV0")]))
        #expect(commands.count >= 6)

        // The secret, and every base64 that carries it.
        let secrets = [
            "secret", "c2VjcmV0", "AHVzZXIAc2VjcmV0",
            "dXNlcj11c2VyAWF1dGg9QmVhcmVyIHNlY3JldAEB",  // base64("user=user\u{1}auth=Bearer secret\u{1}\u{1}")
        ]
        for (action, command) in commands {
            let shown = [command.description, "\(command)", String(reflecting: command), "\(action)", String(reflecting: action)]
            for text in shown {
                for secret in secrets {
                    #expect(!text.contains(secret), "\(secret) shown in \(text)")
                }
            }
            switch command {
            case .authenticate(let mechanism, let response?):
                #expect(command.description == "AUTH \(mechanism) <redacted>")
                #expect(!response.isEmpty)
            case .authenticate(let mechanism, nil):
                #expect(command.description == "AUTH \(mechanism)")
            case .authenticationResponse:
                #expect(command.description == "<redacted>")
            default:
                Issue.record("not an AUTH command: \(command)")
            }
        }
        // The XOAUTH2 response really carries the secret (so the check above means something).
        #expect(first == .write([.authenticate(mechanism: "XOAUTH2", initialResponse: secrets[3])]))
        let shownCredentials = SMTPCredentials(username: "user", secret: "hunter2-p4ss", mechanism: .xoauth2)
        #expect(shownCredentials.description == "SMTPCredentials(username: user, secret: <redacted>, mechanism: XOAUTH2)")
        #expect(!String(reflecting: shownCredentials).contains("hunter2-p4ss"))
    }

    // MARK: - Transactions without PIPELINING

    @Test func transactionStepByStep() throws {
        var machine = try Self.ready()
        let transaction = try Self.transaction(to: ["b@example.net", "c@example.net", "d@example.net"])
        #expect(machine.startTransaction(transaction) == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
        #expect(!machine.isReady)
        Self.expectAwaited(machine, .mail)
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
        Self.expectAwaited(machine, .recipient)
        let acceptedB = try Self.reply("250 2.1.5 Ok\r\n")
        #expect(machine.replyReceived(acceptedB) == .write([Self.rcpt("c@example.net")]))
        Self.expectAwaited(machine, .recipient)
        let refusedC = try Self.reply("550 5.1.1 <c@example.net>: Recipient address rejected: User unknown\r\n")
        #expect(machine.replyReceived(refusedC) == .write([Self.rcpt("d@example.net")]))
        Self.expectAwaited(machine, .recipient)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .write([.data]))
        Self.expectAwaited(machine, .dataInitiation)
        #expect(try machine.feed("354 End data with <CR><LF>.<CR><LF>\r\n") == .writeData(transaction.data))
        Self.expectAwaited(machine, .dataTermination, bodySize: Self.messageSize)
        #expect(!machine.isReady)
        let queued = try Self.reply("250 2.0.0 Ok: queued as 4Bx3Yz\r\n")
        Self.expectCompleted(
            machine.replyReceived(queued),
            [
                ("b@example.net", .accepted(queued)),
                ("c@example.net", .failed(.recipientRejected, .permanent, refusedC)),
                ("d@example.net", .accepted(queued)),
            ],
            dataReply: queued
        )
        #expect(machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test func allRecipientsRefusedResetsAndSendsNoData() throws {
        var machine = try Self.ready()
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
                == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
        let refusedB = try Self.reply("550 5.1.1 no such user\r\n")
        #expect(machine.replyReceived(refusedB) == .write([Self.rcpt("c@example.net")]))
        let refusedC = try Self.reply("450 4.2.1 mailbox busy\r\n")
        #expect(machine.replyReceived(refusedC) == .write([.reset]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
        Self.expectCompleted(
            try machine.feed("250 2.0.0 Ok\r\n"),
            [
                ("b@example.net", .failed(.recipientRejected, .permanent, refusedB)),
                ("c@example.net", .failed(.recipientRejected, .temporary, refusedC)),
            ],
            dataReply: nil
        )
        #expect(machine.isReady)
    }

    @Test func senderRefusedFailsTheTransactionWithoutRCPT() throws {
        var machine = try Self.ready()
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
                == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
        let refusal = try Self.reply("550 5.1.8 <a@example.com>: Sender address rejected: Domain not found\r\n")
        Self.expectTransactionFailed(machine.replyReceived(refusal), .senderRejected, .permanent, reply: refusal)
        #expect(machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test func dataRefusedResetsThenFails() throws {
        var machine = try Self.ready()
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .write([.data]))
        let refusal = try Self.reply("554 Transaction failed\r\n")
        #expect(machine.replyReceived(refusal) == .write([.reset]))
        Self.expectAwaited(machine, .command)
        #expect(!machine.isReady)
        Self.expectTransactionFailed(try machine.feed("250 2.0.0 Ok\r\n"), .messageRejected, .permanent, reply: refusal)
        #expect(machine.isReady)
    }

    @Test func finalReplyTemporaryFailure() throws {
        var machine = try Self.awaitingFinalReply()
        let refusal = try Self.reply("452 4.3.1 Insufficient system storage\r\n")
        // The transaction is over after the final reply: no RSET.
        Self.expectTransactionFailed(machine.replyReceived(refusal), .messageRejected, .temporary, reply: refusal)
        #expect(machine.isReady)
    }

    @Test(arguments: [
        ("554 5.7.1 Message rejected as spam\r\n", SMTPError.Kind.provider),
        ("552 5.3.4 Message size exceeds fixed limit\r\n", .permanent),
        ("451 4.3.0 Error: queue file write error\r\n", .temporary),
    ])
    func finalReplyRefusal(wire: String, kind: SMTPError.Kind) throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        let transaction = try Self.transaction(to: ["b@example.net"])
        #expect(
            machine.startTransaction(transaction)
                == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"]), Self.rcpt("b@example.net"), .data]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        #expect(try machine.feed("354 go ahead\r\n") == .writeData(transaction.data))
        let refusal = try Self.reply(wire)
        Self.expectTransactionFailed(machine.replyReceived(refusal), .messageRejected, kind, reply: refusal)
        #expect(machine.isReady)
    }

    @Test func pipeliningDisabledByConfiguration() throws {
        var machine = try Self.ready(Self.configuration(usesPipelining: false), ehlo: Self.pipeliningEHLO)
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
                == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
    }

    // MARK: - Transactions with PIPELINING

    @Test func pipelinedTransaction() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        let transaction = try Self.transaction(to: ["b@example.net", "c@example.net", "d@example.net"])
        #expect(
            machine.startTransaction(transaction)
                == .write([
                    .mail(from: "a@example.com", parameters: ["SIZE=18"]),
                    Self.rcpt("b@example.net"), Self.rcpt("c@example.net"), Self.rcpt("d@example.net"),
                    .data,
                ]))
        Self.expectAwaited(machine, .mail)
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        Self.expectAwaited(machine, .recipient)
        let acceptedB = try Self.reply("250 2.1.5 Ok\r\n")
        #expect(machine.replyReceived(acceptedB) == .none)
        Self.expectAwaited(machine, .recipient)
        let refusedC = try Self.reply("550 5.1.1 <c@example.net>: Recipient address rejected\r\n")
        #expect(machine.replyReceived(refusedC) == .none)
        Self.expectAwaited(machine, .recipient)
        let deferredD = try Self.reply("451 4.3.0 <d@example.net>: Temporary lookup failure\r\n")
        #expect(machine.replyReceived(deferredD) == .none)
        Self.expectAwaited(machine, .dataInitiation)
        #expect(try machine.feed("354 End data with <CR><LF>.<CR><LF>\r\n") == .writeData(transaction.data))
        Self.expectAwaited(machine, .dataTermination, bodySize: Self.messageSize)
        let queued = try Self.reply("250 2.0.0 Ok: queued as 4Bx3Yz\r\n")
        Self.expectCompleted(
            machine.replyReceived(queued),
            [
                ("b@example.net", .accepted(queued)),
                ("c@example.net", .failed(.recipientRejected, .permanent, refusedC)),
                ("d@example.net", .failed(.recipientRejected, .temporary, deferredD)),
            ],
            dataReply: queued
        )
        #expect(machine.isReady)
    }

    @Test func pipelinedSenderRefusedFailsOnlyAfterAllReplies() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
                == .write([
                    .mail(from: "a@example.com", parameters: ["SIZE=18"]), Self.rcpt("b@example.net"), Self.rcpt("c@example.net"), .data,
                ]))
        let refusal = try Self.reply("553 5.1.8 <a@example.com>: Sender address rejected: Domain not found\r\n")
        #expect(machine.replyReceived(refusal) == .none)
        #expect(try machine.feed("503 5.5.1 Error: need MAIL command\r\n") == .none)
        #expect(!machine.isReady)
        #expect(try machine.feed("503 5.5.1 Error: need MAIL command\r\n") == .none)
        Self.expectAwaited(machine, .dataInitiation)
        // No RSET: MAIL was refused, so no transaction is open on the server.
        Self.expectTransactionFailed(try machine.feed("503 5.5.1 Error: need RCPT command\r\n"), .senderRejected, .permanent, reply: refusal)
        #expect(machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test func pipelinedDataAcceptedWithNobodyToSendToSendsALoneDot() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        let refusedB = try Self.reply("550 5.1.1 no such user\r\n")
        let refusedC = try Self.reply("550 5.1.1 no such user either\r\n")
        #expect(machine.replyReceived(refusedB) == .none)
        #expect(machine.replyReceived(refusedC) == .none)
        let action = try machine.feed("354 go ahead\r\n")
        #expect(action == .writeData(SMTPMessageData([UInt8]())))
        if case .writeData(let data) = action {
            #expect(String(buffer: data.buffer) == ".\r\n", "nothing of the message is sent")
        }
        #expect(!machine.isReady)
        #expect(machine.awaitedStep != nil)
        Self.expectCompleted(
            try machine.feed("554 5.5.1 Error: no valid recipients\r\n"),
            [
                ("b@example.net", .failed(.recipientRejected, .permanent, refusedB)),
                ("c@example.net", .failed(.recipientRejected, .permanent, refusedC)),
            ],
            dataReply: nil
        )
        #expect(machine.isReady)
    }

    @Test func pipelinedAllRecipientsRefusedAndDataRefusedResets() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        let refusedB = try Self.reply("550 5.1.1 no such user\r\n")
        #expect(machine.replyReceived(refusedB) == .none)
        #expect(try machine.feed("554 5.5.1 Error: no valid recipients\r\n") == .write([.reset]))
        Self.expectAwaited(machine, .command)
        Self.expectCompleted(
            try machine.feed("250 2.0.0 Ok\r\n"),
            [("b@example.net", .failed(.recipientRejected, .permanent, refusedB))],
            dataReply: nil
        )
        #expect(machine.isReady)
    }

    @Test func pipelinedDataRefusedWithARecipientAcceptedResetsThenFails() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        let refusal = try Self.reply("451 4.3.0 Try again later\r\n")
        #expect(machine.replyReceived(refusal) == .write([.reset]))
        Self.expectTransactionFailed(try machine.feed("250 2.0.0 Ok\r\n"), .messageRejected, .temporary, reply: refusal)
        #expect(machine.isReady)
    }

    @Test func pipelinedSenderRefusedButDataAcceptedSendsALoneDot() throws {
        // A broken server answers DATA with 354 although it refused MAIL: end the empty message.
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        let refusal = try Self.reply("550 5.1.0 sender refused\r\n")
        #expect(machine.replyReceived(refusal) == .none)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        #expect(try machine.feed("354 go ahead\r\n") == .writeData(SMTPMessageData([UInt8]())))
        Self.expectTransactionFailed(try machine.feed("250 2.0.0 Ok\r\n"), .senderRejected, .permanent, reply: refusal)
        #expect(machine.isReady)
    }

    // MARK: - The next transaction pipelined behind a message (RFC 2920 §3.1)

    /// The commands of a pipelined transaction from a@example.com to `recipients`.
    static func pipelinedCommands(to recipients: [String]) -> [SMTPCommand] {
        [.mail(from: "a@example.com", parameters: ["SIZE=\(messageSize)"])] + recipients.map(rcpt) + [.data]
    }

    @Test func theNextTransactionFollowsTheMessageAndTakesOverAfterItsReply() throws {
        var machine = try Self.awaitingFinalReply(ehlo: Self.pipeliningEHLO)
        let next = try Self.transaction(to: ["c@example.net", "d@example.net"])
        #expect(machine.pipelineTransaction(next) == Self.pipelinedCommands(to: ["c@example.net", "d@example.net"]))
        #expect(machine.pipelineTransaction(try Self.transaction(to: ["e@example.net"])) == nil, "one at a time")
        Self.expectAwaited(machine, .dataTermination, bodySize: Self.messageSize)
        let queued = try Self.reply("250 2.0.0 Ok: queued as 1\r\n")
        Self.expectCompleted(machine.replyReceived(queued), [("b@example.net", .accepted(queued))], dataReply: queued)
        #expect(!machine.isReady, "the pipelined transaction is under way")
        Self.expectAwaited(machine, .mail)
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        let refused = try Self.reply("550 5.1.1 <d@example.net>: unknown\r\n")
        #expect(machine.replyReceived(refused) == .none)
        #expect(try machine.feed("354 go ahead\r\n") == .writeData(next.data))
        let queuedNext = try Self.reply("250 2.0.0 Ok: queued as 2\r\n")
        Self.expectCompleted(
            machine.replyReceived(queuedNext),
            [("c@example.net", .accepted(queuedNext)), ("d@example.net", .failed(.recipientRejected, .permanent, refused))],
            dataReply: queuedNext
        )
        #expect(machine.isReady)
    }

    @Test func aRefusedMessageLeavesThePipelinedTransactionGoing() throws {
        var machine = try Self.awaitingFinalReply(ehlo: Self.pipeliningEHLO)
        let next = try Self.transaction(to: ["c@example.net"])
        #expect(machine.pipelineTransaction(next) != nil)
        let refusal = try Self.reply("552 5.3.4 message too big\r\n")
        Self.expectTransactionFailed(machine.replyReceived(refusal), .messageRejected, .permanent, reply: refusal)
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        #expect(try machine.feed("354 go ahead\r\n") == .writeData(next.data))
    }

    @Test func nothingIsPipelinedBeforeTheMessageIsWrittenOrWithoutPIPELINING() throws {
        let next = try Self.transaction(to: ["c@example.net"])
        var ready = try Self.ready(ehlo: Self.pipeliningEHLO)
        #expect(ready.pipelineTransaction(next) == nil, "nothing under way")
        _ = ready.startTransaction(try Self.transaction(to: ["b@example.net"]))
        #expect(ready.pipelineTransaction(next) == nil, "DATA not answered yet")
        var sequential = try Self.awaitingFinalReply(ehlo: Self.sequentialEHLO)
        #expect(sequential.pipelineTransaction(next) == nil)
        var limited = try Self.awaitingFinalReply(ehlo: "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 100\r\n")
        let tooLarge = try Self.transaction(to: ["c@example.net"], message: String(repeating: "x", count: 200))
        #expect(limited.pipelineTransaction(tooLarge) == nil, "a transaction the server would refuse starts on its own, and fails there")
    }

    @Test func aSessionLostWithATransactionPipelinedFailsTheMessageInFlight() throws {
        var machine = try Self.awaitingFinalReply(ehlo: Self.pipeliningEHLO)
        #expect(machine.pipelineTransaction(try Self.transaction(to: ["c@example.net"])) != nil)
        let closing = try Self.reply("421 4.3.0 shutting down\r\n")
        guard case .close(let error?) = machine.replyReceived(closing) else {
            Issue.record("the session did not close")
            return
        }
        #expect(!error.isBeforeData, "the message in flight may have arrived")
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
    }

    // MARK: - MAIL FROM parameters

    @Test func noSIZEParameterWhenSIZENotAnnounced() throws {
        var machine = try Self.ready(ehlo: "250-mx.example.net\r\n250 8BITMIME\r\n")
        #expect(machine.startTransaction(try Self.transaction(to: ["b@example.net"])) == .write([.mail(from: "a@example.com", parameters: [])]))
    }

    @Test func sizeParameterWhenSIZEAnnouncedWithoutALimit() throws {
        var machine = try Self.ready(ehlo: "250-mx.example.net\r\n250 SIZE\r\n")
        let big = "Subject: big\r\n\r\n" + String(repeating: "0123456789\r\n", count: 10_000)
        let transaction = try Self.transaction(to: ["b@example.net"], message: big)
        #expect(machine.startTransaction(transaction) == .write([.mail(from: "a@example.com", parameters: ["SIZE=\(big.utf8.count)"])]))
    }

    @Test(arguments: [
        // (EHLO extensions, needs 8BITMIME, needs SMTPUTF8, expected parameters)
        ("250-mx\r\n250-SIZE 1000\r\n250 8BITMIME\r\n", false, false, ["SIZE=18"]),
        ("250-mx\r\n250-SIZE 1000\r\n250 8BITMIME\r\n", true, false, ["SIZE=18", "BODY=8BITMIME"]),
        ("250-mx\r\n250 8BITMIME\r\n", true, false, ["BODY=8BITMIME"]),
        // Never a parameter the server did not announce.
        ("250-mx\r\n250 SIZE 1000\r\n", true, false, ["SIZE=18"]),
        ("250-mx\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n", false, true, ["SIZE=18", "BODY=8BITMIME", "SMTPUTF8"]),
        ("250-mx\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n", true, true, ["SIZE=18", "BODY=8BITMIME", "SMTPUTF8"]),
        ("250-mx\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n", false, false, []),
        ("250-mx\r\n250 SMTPUTF8\r\n", false, true, ["SMTPUTF8"]),
    ])
    func mailParameters(ehlo: String, needs8BitMIME: Bool, needsSMTPUTF8: Bool, parameters: [String]) throws {
        var machine = try Self.ready(ehlo: ehlo)
        let transaction = try Self.transaction(to: ["b@example.net"], needsSMTPUTF8: needsSMTPUTF8, needs8BitMIME: needs8BitMIME)
        #expect(machine.startTransaction(transaction) == .write([.mail(from: "a@example.com", parameters: parameters)]))
    }

    @Test func nullSender() throws {
        var machine = try Self.ready()
        let action = machine.startTransaction(try Self.transaction(from: nil, to: ["b@example.net"]))
        #expect(action == .write([.mail(from: "", parameters: ["SIZE=18"])]))
        if case .write(let commands) = action {
            var buffer = ByteBuffer()
            for command in commands { command.write(into: &buffer) }
            #expect(String(buffer: buffer) == "MAIL FROM:<> SIZE=18\r\n")
        }
    }

    @Test func smtpUTF8NeededButNotOfferedFailsWithNothingWritten() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        let action = machine.startTransaction(try Self.transaction(to: ["b@example.net"], needsSMTPUTF8: true))
        Self.expectTransactionFailed(action, .smtpUTF8Unsupported, .permanent, reply: nil)
        #expect(machine.isReady)
        Self.expectAwaited(machine, nil)
        // The connection is still good for the next message.
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
                == .write([
                    .mail(from: "a@example.com", parameters: ["SIZE=18"]), Self.rcpt("b@example.net"), .data,
                ]))
    }

    /// The transaction `SMTPConnection.send` makes of a composed message.
    static func transaction(composing email: Email) throws -> Machine.Transaction {
        let message = try MessageComposer().compose(email)
        return Machine.Transaction(
            envelope: SMTPEnvelope(message), data: SMTPMessageData(message.bytes),
            needsSMTPUTF8: message.needsSMTPUTF8, needs8BitMIME: message.needs8BitMIME
        )
    }

    @Test func idnDomainsGoAsALabelsToAServerWithoutSMTPUTF8() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        let email = Email(
            from: try EmailAddress("app@Bücher.example"), to: [try EmailAddress("ann@例子.广告")], cc: [try EmailAddress("bob@xn--bcher-kva.example")],
            text: "hi"
        )
        let transaction = try Self.transaction(composing: email)
        #expect(!transaction.needsSMTPUTF8)
        guard case .write(let commands) = machine.startTransaction(transaction) else {
            Issue.record("the transaction did not start")
            return
        }
        var buffer = ByteBuffer()
        for command in commands { command.write(into: &buffer) }
        #expect(
            String(buffer: buffer)
                == "MAIL FROM:<app@xn--bcher-kva.example> SIZE=\(transaction.data.messageSize)\r\n"
                + "RCPT TO:<ann@xn--fsqu00a.xn--4rr70v>\r\nRCPT TO:<bob@xn--bcher-kva.example>\r\nDATA\r\n")
    }

    @Test func aUTF8LocalPartIsSentWithSMTPUTF8WhenOffered() throws {
        var machine = try Self.ready(ehlo: "250-mx.example.net\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
        let transaction = try Self.transaction(
            composing: Email(from: try EmailAddress("app@example.com"), to: [try EmailAddress("jörg@bücher.example")], text: "hi")
        )
        #expect(transaction.needsSMTPUTF8)
        guard case .write(let commands) = machine.startTransaction(transaction) else {
            Issue.record("the transaction did not start")
            return
        }
        var buffer = ByteBuffer()
        for command in commands { command.write(into: &buffer) }
        #expect(
            String(buffer: buffer)
                == "MAIL FROM:<app@example.com> BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<jörg@xn--bcher-kva.example>\r\nDATA\r\n")
    }

    @Test func aUTF8LocalPartFailsPermanentlyWithoutSMTPUTF8() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        let transaction = try Self.transaction(
            composing: Email(from: try EmailAddress("app@example.com"), to: [try EmailAddress("jörg@example.com")], text: "hi")
        )
        let action = machine.startTransaction(transaction)
        Self.expectTransactionFailed(action, .smtpUTF8Unsupported, .permanent, reply: nil)
        guard case .transactionFailed(let error) = action else { return }
        #expect(error.message.contains("non-ASCII local part") && error.message.contains("SMTPUTF8"))
    }

    @Test func messageOverTheAnnouncedSizeFailsWithNothingWritten() throws {
        var machine = try Self.ready(ehlo: "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 100\r\n")
        let tooBig = String(repeating: "x", count: 99) + "\r\n"  // 101 octets
        Self.expectTransactionFailed(
            machine.startTransaction(try Self.transaction(to: ["b@example.net"], message: tooBig)),
            .messageTooLarge, .permanent, reply: nil
        )
        #expect(machine.isReady)
        Self.expectAwaited(machine, nil)
        let justRight = String(repeating: "x", count: 98) + "\r\n"  // 100 octets
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net"], message: justRight))
                == .write([
                    .mail(from: "a@example.com", parameters: ["SIZE=100"]), Self.rcpt("b@example.net"), .data,
                ]))
    }

    @Test func sizeIsMeasuredAsSent() throws {
        // 95 octets given; 103 as sent, once the six bare LFs and the unended last line get CRLF.
        var machine = try Self.ready(ehlo: "250-mx.example.net\r\n250 SIZE 100\r\n")
        let message = String(repeating: "abcdefghijklmn\n", count: 6) + "abcde"
        #expect(message.utf8.count == 95)
        Self.expectTransactionFailed(
            machine.startTransaction(try Self.transaction(to: ["b@example.net"], message: message)),
            .messageTooLarge, .permanent, reply: nil
        )
    }

    @Test func noRecipientsFailsWithNothingWritten() throws {
        var machine = try Self.ready()
        Self.expectTransactionFailed(machine.startTransaction(try Self.transaction(to: [])), .messageRejected, .permanent, reply: nil)
        #expect(machine.isReady)
    }

    // MARK: - Session events

    @Test func serviceClosingInTheMiddleOfATransaction() throws {
        var machine = try Self.ready()
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net", "c@example.net"]))
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
        let closing = try Self.reply("421 4.4.2 mx.example.net Error: timeout exceeded\r\n")
        Self.expectClose(machine.replyReceived(closing), .serviceNotAvailable, .temporary, reply: closing)
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
        Self.expectTransactionFailed(machine.startTransaction(try Self.transaction(to: ["b@example.net"])), .connectionUnusable, .provider)
    }

    @Test func serviceClosingAsTheFinalReply() throws {
        var machine = try Self.awaitingFinalReply(ehlo: Self.pipeliningEHLO)
        let closing = try Self.reply("421 4.3.0 shutting down\r\n")
        Self.expectClose(machine.replyReceived(closing), .serviceNotAvailable, .temporary, reply: closing)
    }

    @Test func replyWhileIdleIsAProtocolViolation() throws {
        var machine = try Self.ready()
        Self.expectClose(try machine.feed("250 unsolicited\r\n"), .protocolViolation, .provider, reply: nil)
        #expect(!machine.isReady)
        Self.expectAwaited(machine, nil)
    }

    @Test func connectionClosedWhileIdle() throws {
        var machine = try Self.ready()
        Self.expectClose(machine.connectionClosed(), .connectionClosed, .provider, reply: nil)
        #expect(!machine.isReady)
        #expect(machine.connectionClosed() == .none)
        #expect(machine.timedOut() == .none)
        Self.expectTransactionFailed(machine.startTransaction(try Self.transaction(to: ["b@example.net"])), .connectionUnusable, .provider)
    }

    @Test func connectionClosedWhileWaitingForTheGreeting() throws {
        var machine = Machine(configuration: Self.configuration())
        Self.expectClose(machine.connectionClosed(), .connectionClosed, .provider, reply: nil)
        Self.expectAwaited(machine, nil)
        #expect(machine.connectionClosed() == .none)
    }

    @Test func connectionClosedWhileWaitingForAReplyInATransaction() throws {
        var machine = try Self.ready()
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        _ = try machine.feed("250 2.1.0 Ok\r\n")
        Self.expectClose(machine.connectionClosed(), .connectionClosed, .provider, reply: nil)
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
    }

    @Test func connectionClosedDuringTheTLSHandshake() throws {
        var machine = Machine(configuration: Self.configuration(tls: .startTLSRequired))
        _ = try machine.feed(Self.greeting)
        _ = try machine.feed(Self.startTLSEHLO)
        #expect(try machine.feed("220 go ahead\r\n") == .startTLS)
        Self.expectClose(machine.connectionClosed(), .connectionClosed, .provider, reply: nil)
        #expect(machine.tlsEstablished() == .none)
    }

    @Test func timedOutWhileWaiting() throws {
        var machine = Machine(configuration: Self.configuration())
        Self.expectClose(machine.timedOut(), .timeout, .provider, reply: nil)
        Self.expectAwaited(machine, nil)
        #expect(machine.timedOut() == .none)
        #expect(try machine.feed(Self.greeting) == .none)
    }

    @Test func timedOutWaitingForTheFinalReply() throws {
        var machine = try Self.ready()
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        _ = try machine.feed("250 2.1.0 Ok\r\n")
        _ = try machine.feed("250 2.1.5 Ok\r\n")
        _ = try machine.feed("354 go ahead\r\n")
        Self.expectClose(machine.timedOut(), .timeout, .provider, reply: nil)
        #expect(!machine.isReady)
    }

    @Test func timedOutWhileIdleIsNothing() throws {
        var machine = try Self.ready()
        #expect(machine.timedOut() == .none)
        #expect(machine.isReady)
    }

    @Test func failureClosesWithThatError() throws {
        var machine = try Self.ready()
        let error = SMTPError(.tlsFailed, "certificate verify failed")
        #expect(machine.failed(error) == .close(error))
        #expect(!machine.isReady)
        #expect(machine.failed(SMTPError(.connectionFailed, "reset")) == .none)
    }

    @Test func awaitedStepOfEachPhase() throws {
        let configuration = Self.configuration(tls: .startTLSRequired, credentials: Self.credentials)
        var machine = Machine(configuration: configuration)
        Self.expectAwaited(machine, .greeting)
        _ = try machine.feed(Self.greeting)
        Self.expectAwaited(machine, .command)  // EHLO
        _ = try machine.feed(Self.startTLSEHLO)
        Self.expectAwaited(machine, .command)  // STARTTLS
        _ = try machine.feed("220 go ahead\r\n")
        Self.expectAwaited(machine, nil)  // the TLS handshake
        _ = machine.tlsEstablished()
        Self.expectAwaited(machine, .command)  // EHLO again
        _ = try machine.feed(Self.authEHLO)
        Self.expectAwaited(machine, .command)  // AUTH
        #expect(try machine.feed("235 ok\r\n") == .sessionReady(SMTPCapabilities(ehloReply: try Self.reply(Self.authEHLO))))
        Self.expectAwaited(machine, nil)  // ready

        let message = "Subject: x\r\n\r\n" + String(repeating: "a line of text\r\n", count: 1000)
        let transaction = try Self.transaction(to: ["b@example.net"], message: message)
        _ = machine.startTransaction(transaction)  // pipelined
        Self.expectAwaited(machine, .mail)
        _ = try machine.feed("250 ok\r\n")
        Self.expectAwaited(machine, .recipient)
        _ = try machine.feed("250 ok\r\n")
        Self.expectAwaited(machine, .dataInitiation)
        _ = try machine.feed("354 go ahead\r\n")
        Self.expectAwaited(machine, .dataTermination, bodySize: message.utf8.count)
        _ = try machine.feed("250 queued\r\n")
        Self.expectAwaited(machine, nil)

        _ = machine.checkLiveness()
        Self.expectAwaited(machine, .command)
        _ = try machine.feed("250 ok\r\n")
        Self.expectAwaited(machine, nil)

        _ = machine.quit()
        Self.expectAwaited(machine, .quit)
        _ = try machine.feed("221 bye\r\n")
        Self.expectAwaited(machine, nil)
    }

    @Test func dataTerminationTimeGrowsWithTheBody() {
        var timeouts = SMTPTimeouts()
        timeouts.dataTermination = .seconds(600)
        timeouts.minimumDataRate = 1024
        #expect(timeouts.limit(for: .dataTermination, bodySize: 0) == .seconds(600))
        #expect(timeouts.limit(for: .dataTermination, bodySize: 10 * 1024) == .seconds(610))
        #expect(timeouts.limit(for: .dataInitiation, bodySize: 10 * 1024) == .seconds(120))
        #expect(timeouts.limit(for: .greeting, bodySize: 0) == .seconds(300))
        #expect(timeouts.limit(for: .quit, bodySize: 0) == .seconds(5))
    }

    // MARK: - NOOP and QUIT

    @Test func livenessCheckConfirmed() throws {
        var machine = try Self.ready()
        #expect(machine.checkLiveness() == .write([.noop]))
        #expect(!machine.isReady)
        Self.expectAwaited(machine, .command)
        #expect(try machine.feed("250 2.0.0 Ok\r\n") == .livenessConfirmed)
        #expect(machine.isReady)
        // And the connection still carries messages.
        #expect(
            machine.startTransaction(try Self.transaction(to: ["b@example.net"])) == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
    }

    @Test(arguments: ["500 5.5.2 Error: command not recognized\r\n", "451 4.3.0 busy\r\n", "354 what\r\n"])
    func livenessCheckAnsweredOtherwiseCloses(wire: String) throws {
        var machine = try Self.ready()
        #expect(machine.checkLiveness() == .write([.noop]))
        let reply = try Self.reply(wire)
        Self.expectClose(machine.replyReceived(reply), .connectionUnusable, nil, reply: reply)
        #expect(!machine.isReady)
    }

    @Test func livenessCheckAnswered421IsTemporary() throws {
        var machine = try Self.ready()
        _ = machine.checkLiveness()
        let reply = try Self.reply("421 4.4.2 timeout\r\n")
        Self.expectClose(machine.replyReceived(reply), .serviceNotAvailable, .temporary, reply: reply)
    }

    @Test func livenessCheckWhenNotReadyCloses() throws {
        var machine = Machine(configuration: Self.configuration())
        Self.expectClose(machine.checkLiveness(), .connectionUnusable, nil, reply: nil)
    }

    @Test(arguments: ["221 2.0.0 Bye\r\n", "421 4.3.2 closing\r\n", "500 5.5.1 what\r\n", "250 ok\r\n"])
    func quitEndsTheSessionWhateverTheReply(wire: String) throws {
        var machine = try Self.ready()
        #expect(machine.quit() == .write([.quit]))
        #expect(!machine.isReady)
        Self.expectAwaited(machine, .quit)
        #expect(try machine.feed(wire) == .close(nil))
        Self.expectAwaited(machine, nil)
        #expect(try machine.feed("250 more\r\n") == .none)
        #expect(machine.connectionClosed() == .none)
    }

    @Test func quitThenConnectionClosedIsClean() throws {
        var machine = try Self.ready()
        #expect(machine.quit() == .write([.quit]))
        #expect(machine.connectionClosed() == .close(nil))
    }

    @Test func quitWhenNotReadyJustCloses() throws {
        var machine = Machine(configuration: Self.configuration())
        #expect(machine.quit() == .close(nil))
        #expect(try machine.feed(Self.greeting) == .none)
    }

    // MARK: - Requests at the wrong time, and reuse

    @Test func transactionBeforeTheSessionIsReady() throws {
        var machine = Machine(configuration: Self.configuration())
        Self.expectTransactionFailed(machine.startTransaction(try Self.transaction(to: ["b@example.net"])), .connectionUnusable, .provider)
        // The session is not disturbed.
        Self.expectAwaited(machine, .greeting)
        #expect(try machine.feed(Self.greeting) == .write([.ehlo(Self.localName)]))
    }

    @Test func transactionDuringATransaction() throws {
        var machine = try Self.ready()
        let first = try Self.transaction(to: ["b@example.net"])
        _ = machine.startTransaction(first)
        Self.expectTransactionFailed(machine.startTransaction(try Self.transaction(to: ["c@example.net"])), .connectionUnusable, .provider)
        // The first goes on.
        #expect(try machine.feed("250 2.1.0 Ok\r\n") == .write([Self.rcpt("b@example.net")]))
    }

    @Test func connectionReuse() throws {
        var machine = try Self.ready(ehlo: Self.pipeliningEHLO)
        for round in 0..<3 {
            let recipient = "r\(round)@example.net"
            let transaction = try Self.transaction(to: [recipient])
            #expect(
                machine.startTransaction(transaction)
                    == .write([
                        .mail(from: "a@example.com", parameters: ["SIZE=18"]), Self.rcpt(recipient), .data,
                    ]))
            #expect(try machine.feed("250 2.1.0 Ok\r\n") == .none)
            #expect(try machine.feed("250 2.1.5 Ok\r\n") == .none)
            #expect(try machine.feed("354 go ahead\r\n") == .writeData(transaction.data))
            let queued = try Self.reply("250 2.0.0 Ok: queued as Q\(round)\r\n")
            Self.expectCompleted(machine.replyReceived(queued), [(recipient, .accepted(queued))], dataReply: queued)
            #expect(machine.isReady)
        }
    }

    @Test func connectionReuseAfterFailures() throws {
        var machine = try Self.ready()
        // MAIL refused.
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        Self.expectTransactionFailed(
            try machine.feed("550 5.7.1 not you\r\n"), .senderRejected, .provider, reply: try Self.reply("550 5.7.1 not you\r\n"))
        // DATA refused, RSET.
        _ = machine.startTransaction(try Self.transaction(to: ["b@example.net"]))
        _ = try machine.feed("250 ok\r\n")
        #expect(try machine.feed("250 ok\r\n") == .write([.data]))
        #expect(try machine.feed("554 no\r\n") == .write([.reset]))
        Self.expectTransactionFailed(try machine.feed("250 ok\r\n"), .messageRejected, .permanent, reply: try Self.reply("554 no\r\n"))
        // Then a good one.
        let transaction = try Self.transaction(to: ["b@example.net"])
        #expect(machine.startTransaction(transaction) == .write([.mail(from: "a@example.com", parameters: ["SIZE=18"])]))
        #expect(try machine.feed("250 ok\r\n") == .write([Self.rcpt("b@example.net")]))
        #expect(try machine.feed("250 ok\r\n") == .write([.data]))
        #expect(try machine.feed("354 go\r\n") == .writeData(transaction.data))
        let queued = try Self.reply("250 queued\r\n")
        Self.expectCompleted(machine.replyReceived(queued), [("b@example.net", .accepted(queued))], dataReply: queued)
    }
}

/// Whether a failure came before the message's data: only then may it be sent again elsewhere.
@Suite struct SMTPClientStateMachineDataBoundaryTests {
    typealias Tests = SMTPClientStateMachineTests

    func closeError(_ action: SMTPClientStateMachine.Action) -> SMTPError? {
        if case .close(let error) = action { return error }
        return nil
    }

    @Test func aConnectionLostBeforeTheDataIsSafeToRetry() throws {
        var machine = try Tests.ready(ehlo: Tests.pipeliningEHLO)
        _ = machine.startTransaction(try Tests.transaction(to: ["b@example.net"]))
        let error = try #require(closeError(machine.connectionClosed()))
        #expect(error.code == .connectionClosed)
        #expect(error.isBeforeData)
    }

    @Test func aConnectionLostAfterTheDataIsNot() throws {
        var machine = try Tests.awaitingFinalReply(ehlo: Tests.pipeliningEHLO)
        let error = try #require(closeError(machine.timedOut()))
        #expect(error.code == .timeout)
        #expect(!error.isBeforeData)
    }

    @Test func aConnectionLostWhileIdleIsNotAboutAnyMessage() throws {
        var machine = try Tests.ready()
        let error = try #require(closeError(machine.connectionClosed()))
        #expect(!error.isBeforeData)
    }
}
