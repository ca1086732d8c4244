import MailTimeMessage
import MailTimeSMTP
import MailTimeTestSupport
import Testing

/// The client against Postfix's smtp-sink, with each fault smtp-sink can inject.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct SMTPSinkFaultTests {
    let logger = SMTPTestSupport.logger

    func connect(_ sink: SMTPSink, configure: (inout SMTPClientConfiguration) -> Void = { _ in }) async throws(SMTPError) -> SMTPConnection {
        var configuration = SMTPTestSupport.plaintextClient(port: sink.port)
        configure(&configuration)
        return try await SMTPConnection.connect(configuration: configuration, logger: logger)
    }

    @Test func deliversSeveralMessagesOnOneConnectionWithPipelining() async throws {
        let sink = try await SMTPSink.start()
        let connection = try await connect(sink)
        #expect(connection.capabilities.pipelining)
        #expect(connection.capabilities.eightBitMIME)
        #expect(connection.capabilities.enhancedStatusCodes)
        for index in 0..<3 {
            let result = try await connection.send(try SMTPTestSupport.message(to: ["a\(index)@example.org", "b@example.org"]))
            #expect(result.accepted.count == 2)
            #expect(result.dataReply?.code == 250)
        }
        await connection.close()
        try await sink.waitForDelivered(count: 3, timeout: .seconds(5))
        #expect(try sink.deliveredCount() == 3)
    }

    @Test func withoutPipeliningEachCommandWaitsForItsReply() async throws {
        let sink = try await SMTPSink.start(arguments: ["-p"])
        let connection = try await connect(sink)
        #expect(!connection.capabilities.pipelining)
        let result = try await connection.send(try SMTPTestSupport.message(to: ["a@example.org", "b@example.org", "c@example.org"]))
        #expect(result.accepted.count == 3)
        await connection.close()
        #expect(try sink.deliveredCount() == 1)
    }

    @Test func withoutESMTPTheClientFallsBackToHELO() async throws {
        let sink = try await SMTPSink.start(arguments: ["-e"])
        let connection = try await connect(sink)
        #expect(!connection.capabilities.isExtended)
        #expect(!connection.capabilities.pipelining)
        let result = try await connection.send(try SMTPTestSupport.message())
        #expect(result.accepted.count == 1)
        await connection.close()
        #expect(try sink.deliveredCount() == 1)
    }

    @Test func capabilitiesTheServerWithholdsAreNotAssumed() async throws {
        let sink = try await SMTPSink.start(arguments: ["-8", "-E"])
        let connection = try await connect(sink)
        #expect(!connection.capabilities.eightBitMIME)
        #expect(!connection.capabilities.enhancedStatusCodes)
        #expect(try await connection.send(try SMTPTestSupport.message()).accepted.count == 1)
        await connection.close()
    }

    @Test func startTLSRequiredFailsAgainstAServerWithoutIt() async throws {
        let sink = try await SMTPSink.start()
        await expectFailure(.tlsUnavailable, kind: .provider) { () async throws(SMTPError) in
            _ = try await connect(sink) { $0.tlsPolicy = .startTLSRequired }
        }
        // starttls-if-offered goes on in plaintext.
        let connection = try await connect(sink) { $0.tlsPolicy = .startTLSIfOffered }
        #expect(try await connection.send(try SMTPTestSupport.message()).accepted.count == 1)
        await connection.close()
    }

    @Test func temporaryRejectionOfMAILIsTemporary() async throws {
        let sink = try await SMTPSink.start(arguments: ["-r", "MAIL"])
        let connection = try await connect(sink)
        let message = try SMTPTestSupport.message()
        await expectFailure(.senderRejected, kind: .temporary) { () async throws(SMTPError) in _ = try await connection.send(message) }
        // The session survives a refused transaction.
        #expect(connection.isOpen)
        try await connection.checkLiveness()
        await connection.close()
        #expect(try sink.deliveredCount() == 0)
    }

    @Test func permanentRejectionOfMAILIsPermanent() async throws {
        let sink = try await SMTPSink.start(arguments: ["-f", "MAIL"])
        let connection = try await connect(sink)
        let message = try SMTPTestSupport.message()
        await expectFailure(.senderRejected, kind: .permanent) { () async throws(SMTPError) in _ = try await connection.send(message) }
        await connection.close()
    }

    @Test func rejectedRecipientsAreReportedOneByOne() async throws {
        for (option, kind) in [("-r", SMTPError.Kind.temporary), ("-f", .permanent)] {
            let sink = try await SMTPSink.start(arguments: [option, "RCPT"])
            let connection = try await connect(sink)
            let result = try await connection.send(try SMTPTestSupport.message(to: ["a@example.org", "b@example.org"]))
            #expect(result.accepted.isEmpty)
            #expect(result.failed.map(\.recipient.address) == ["a@example.org", "b@example.org"])
            #expect(result.failed.allSatisfy { $0.failure?.kind == kind && $0.failure?.code == .recipientRejected })
            #expect(result.dataReply == nil)
            // Nothing was sent, and the session is usable again.
            #expect(try await connection.send(try SMTPTestSupport.message()).accepted.isEmpty)
            await connection.close()
            #expect(try sink.deliveredCount() == 0)
        }
    }

    @Test func rejectedDataAndRejectedMessage() async throws {
        for (arguments, kind) in [(["-f", "DATA"], SMTPError.Kind.permanent), (["-r", "."], .temporary), (["-f", "."], .permanent)] {
            let sink = try await SMTPSink.start(arguments: arguments)
            let connection = try await connect(sink)
            let message = try SMTPTestSupport.message()
            await expectFailure(.messageRejected, kind: kind) { () async throws(SMTPError) in _ = try await connection.send(message) }
            #expect(connection.isOpen, "\(arguments)")
            await connection.close()
        }
    }

    @Test func serviceNotAvailableAtAnyStepIsTemporaryAndClosesTheConnection() async throws {
        for command in ["MAIL", "RCPT", "DATA", "."] {
            let sink = try await SMTPSink.start(arguments: ["-Q", command])
            let connection = try await connect(sink)
            let message = try SMTPTestSupport.message()
            await expectFailure(.serviceNotAvailable, kind: .temporary) { () async throws(SMTPError) in _ = try await connection.send(message) }
            try await Task.sleep(for: .milliseconds(50))
            #expect(!connection.isOpen, "after 421 on \(command)")
        }
        for command in ["CONNECT", "EHLO"] {
            let sink = try await SMTPSink.start(arguments: ["-Q", command])
            await expectFailure(.serviceNotAvailable, kind: .temporary) { () async throws(SMTPError) in _ = try await connect(sink) }
        }
    }

    @Test func aServerThatHangsUpWithoutAReplyIsTheProvidersFault() async throws {
        let sink = try await SMTPSink.start(arguments: ["-q", "DATA"])
        let connection = try await connect(sink)
        let message = try SMTPTestSupport.message()
        await expectFailure(.connectionClosed, kind: .provider) { () async throws(SMTPError) in _ = try await connection.send(message) }
        #expect(!connection.isOpen)
    }

    @Test func aSlowServerTripsTheTimeout() async throws {
        // Without pipelining the DATA reply is awaited on its own, with the DATA initiation timeout.
        let sink = try await SMTPSink.start(arguments: ["-p", "-w", "5"])
        let connection = try await connect(sink) { $0.timeouts.dataInitiation = .milliseconds(500) }
        let message = try SMTPTestSupport.message()
        // The sink answers after 5 s and would take the message: only the timeout makes this fail.
        await expectFailure(.timeout, kind: .provider) { () async throws(SMTPError) in _ = try await connection.send(message) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!connection.isOpen)
        #expect(try sink.deliveredCount() == 0)
    }

    @Test func refusedConnectionsAreTheProvidersFault() async throws {
        let sink = try await SMTPSink.start()
        let port = sink.port
        sink.stop()
        await expectFailure(.connectionFailed, kind: .provider) { () async throws(SMTPError) in
            _ = try await SMTPConnection.connect(configuration: SMTPTestSupport.plaintextClient(port: port), logger: logger)
        }
    }
}
