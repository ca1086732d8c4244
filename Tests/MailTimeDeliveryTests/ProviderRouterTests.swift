import Logging
import MailTimeDelivery
import MailTimeMessage
import MailTimeModel
import MailTimeSMTP
import MailTimeTestSupport
import Testing

/// The router against real smtp-sink providers on loopback.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct ProviderRouterTests {
    let logger = Logger(label: "mailtime.delivery.tests")

    func provider(_ name: String, port: Int, weight: Int = 1, rate: Double? = nil) -> ProviderConfiguration {
        var smtp = SMTPClientConfiguration(host: "127.0.0.1", port: port, tlsPolicy: .none)
        smtp.timeouts.connect = .seconds(2)
        return ProviderConfiguration(name: name, smtp: smtp, maximumConnections: 4, messagesPerSecond: rate, weight: weight)
    }

    func request(attempt: Int = 1, pinned: Int? = nil, to recipients: [String] = ["ann@example.org"]) throws -> DeliveryRequest {
        let email = Email(
            from: try EmailAddress("app@example.com"), to: try recipients.map { try EmailAddress($0) },
            subject: "Hi", text: "Hello", messageID: "<router@example.com>"
        )
        return DeliveryRequest(
            id: "job", email: email, composer: MessageComposer(), recipients: email.recipients,
            attempt: attempt, pinnedProvider: pinned
        )
    }

    @Test func aProviderThatRefusesConnectionsIsSkippedAtOnce() async throws {
        let dead = try await SMTPSink.start()
        let deadPort = dead.port
        dead.stop()
        let working = try await SMTPSink.start()
        let router = try ProviderRouter(
            providers: [provider("dead", port: deadPort), provider("working", port: working.port)],
            configuration: .init(strategy: .failover(temporaryFailuresBeforeNext: 4), failureThreshold: 2, coolDown: .seconds(60)),
            logger: logger
        )
        for _ in 0..<5 {
            guard case .sent(let recipients) = await router.deliver(try request()) else {
                Issue.record("not sent")
                return
            }
            #expect(recipients.allSatisfy { $0.accepted })
        }
        #expect(try working.deliveredCount() == 5)
        let health = router.health
        #expect(health[0].isUp == false)
        #expect(health[0].consecutiveFailures == 2)
        #expect(health[1].sent == 5)
        let named = await router.deliverNamingProvider(try request())
        #expect(named.provider == "working", "the provider that took the email is named, not the one skipped")
        await router.shutdown()
    }

    @Test func a421ProviderFailsOverAndEveryProviderDownMeansRetry() async throws {
        let closing = try await SMTPSink.start(arguments: ["-Q", "MAIL"])
        let working = try await SMTPSink.start()
        let router = try ProviderRouter(
            providers: [provider("closing", port: closing.port), provider("working", port: working.port)],
            logger: logger
        )
        guard case .sent = await router.deliver(try request()) else {
            Issue.record("not sent through the second provider")
            return
        }
        #expect(try working.deliveredCount() == 1)
        working.stop()
        guard case .retry(let failure, _, _, _) = await router.deliver(try request()) else {
            Issue.record("expected a retry with every provider failing")
            return
        }
        #expect(failure.code == .smtpProvider || failure.code == .noProvider || failure.code == .smtpTemporary)
        await router.shutdown()
    }

    @Test func balanceFollowsTheWeights() async throws {
        let heavy = try await SMTPSink.start()
        let light = try await SMTPSink.start()
        let router = try ProviderRouter(
            providers: [provider("heavy", port: heavy.port, weight: 3), provider("light", port: light.port, weight: 1)],
            configuration: .init(strategy: .balance),
            logger: logger
        )
        for _ in 0..<40 {
            _ = await router.deliver(try request())
        }
        #expect(try heavy.deliveredCount() == 30)
        #expect(try light.deliveredCount() == 10)
        await router.shutdown()
    }

    @Test func temporaryFailuresMoveToTheNextProviderAfterTheConfiguredCount() async throws {
        let deferring = try await SMTPSink.start(arguments: ["-r", "MAIL"])
        let working = try await SMTPSink.start()
        let router = try ProviderRouter(
            providers: [provider("deferring", port: deferring.port), provider("working", port: working.port)],
            configuration: .init(strategy: .failover(temporaryFailuresBeforeNext: 2)),
            logger: logger
        )
        guard case .retry(let failure, _, _, let pin) = await router.deliver(try request(attempt: 1)) else {
            Issue.record("expected a retry")
            return
        }
        #expect(failure.code == .smtpTemporary)
        #expect(pin == 0)
        guard case .retry(_, _, _, let nextPin) = await router.deliver(try request(attempt: 2)) else {
            Issue.record("expected a retry")
            return
        }
        #expect(nextPin == 1)
        guard case .sent = await router.deliver(try request(attempt: 3, pinned: 1)) else {
            Issue.record("expected the pinned provider to deliver")
            return
        }
        #expect(try working.deliveredCount() == 1)
        await router.shutdown()
    }

    @Test func aPermanentlyRefusedRecipientIsSettledAndTheOthersDelivered() async throws {
        let sink = try await SMTPSink.start(arguments: ["-f", "RCPT"])
        let router = try ProviderRouter(providers: [provider("refusing", port: sink.port)], logger: logger)
        guard case .fail(let failure, let recipients) = await router.deliver(try request(to: ["a@example.org", "b@example.org"])) else {
            Issue.record("expected a permanent failure when every recipient is refused")
            return
        }
        #expect(failure.code == .smtpPermanent)
        #expect(recipients.count == 2)
        #expect(recipients.allSatisfy { !$0.accepted && $0.isSettled })
        await router.shutdown()
    }

    /// smtp-sink does not offer SMTPUTF8: an IDN domain goes as an A-label, a UTF-8 local part fails for good.
    @Test func aUTF8LocalPartFailsForGoodAtAServerWithoutSMTPUTF8() async throws {
        let sink = try await SMTPSink.start()
        let router = try ProviderRouter(providers: [provider("ascii", port: sink.port)], logger: logger)
        guard case .sent = await router.deliver(try request(to: ["ann@bücher.example"])) else {
            Issue.record("an IDN domain was not sent")
            return
        }
        guard case .fail(let failure, let recipients) = await router.deliver(try request(to: ["jörg@example.org"])) else {
            Issue.record("expected a permanent failure")
            return
        }
        #expect(failure.code == .smtpPermanent)
        #expect(failure.text.hasPrefix("smtp.smtputf8-unsupported: the message has an address with a non-ASCII local part"))
        #expect(recipients.isEmpty)
        #expect(try sink.deliveredCount() == 1)
        await router.shutdown()
    }

    @Test func aVariableBreakingTheSubjectFailsTheEmailForGood() async throws {
        let sink = try await SMTPSink.start()
        let router = try ProviderRouter(providers: [provider("any", port: sink.port)], logger: logger)
        let email = Email(
            from: try EmailAddress("app@example.com"), to: [try EmailAddress("ann@example.org")],
            subject: "Hi {{name}}", text: "Hello", variables: ["name": "x\r\nBcc: victim@example.com"]
        )
        let request = DeliveryRequest(
            id: "job", email: email, composer: MessageComposer(), recipients: email.recipients, attempt: 1, pinnedProvider: nil
        )
        guard case .fail(let failure, _) = await router.deliver(request) else {
            Issue.record("expected a permanent failure")
            return
        }
        #expect(failure.code == .composeFailed)
        #expect(failure.text.hasPrefix("HEADER_INJECTION: subject:"))
        #expect(try sink.deliveredCount() == 0)
        await router.shutdown()
    }

    @Test func theRateLimitSpacesSends() async throws {
        let sink = try await SMTPSink.start()
        let router = try ProviderRouter(providers: [provider("limited", port: sink.port, rate: 20)], logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<11 {
                group.addTask { _ = await router.deliver(try! self.request()) }
            }
        }
        // 11 sends at 20 per second need at least 0.5 s.
        #expect(clock.now - start >= .milliseconds(480))
        #expect(try sink.deliveredCount() == 11)
        await router.shutdown()
    }
}
