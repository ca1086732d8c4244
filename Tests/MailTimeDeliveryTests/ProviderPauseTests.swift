import Logging
import MailTimeMessage
import MailTimeModel
import MailTimeSMTP
import MailTimeTestSupport
import Testing

@testable import MailTimeDelivery

@Suite struct ProviderPauseTests {
    let start = ContinuousClock.now

    @Test func aPausedCircuitPermitsNothingUntilResumedAndKeepsItsState() {
        var breaker = CircuitBreaker(threshold: 2, coolDown: .seconds(10), maximumCoolDown: .seconds(40))
        breaker.setPaused(true)
        let paused = breaker.permitsAttempt(at: start)
        #expect(!paused)
        #expect(breaker.isUp)
        // Failures while paused (a send already in flight) still count.
        breaker.recordFailure(at: start)
        breaker.recordFailure(at: start)
        #expect(!breaker.isUp)
        let afterCoolDown = breaker.permitsAttempt(at: start + .seconds(60))
        #expect(!afterCoolDown)
        breaker.setPaused(false)
        let resumed = breaker.permitsAttempt(at: start + .seconds(60))
        #expect(resumed)
    }
}

/// Pausing one provider of a router, against real smtp-sink providers on loopback.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct ProviderRouterPauseTests {
    let logger = Logger(label: "mailtime.delivery.tests")

    func provider(_ name: String, port: Int) -> ProviderConfiguration {
        var smtp = SMTPClientConfiguration(host: "127.0.0.1", port: port, tlsPolicy: .none)
        smtp.timeouts.connect = .seconds(2)
        return ProviderConfiguration(name: name, smtp: smtp, maximumConnections: 2)
    }

    func request() throws -> DeliveryRequest {
        let email = Email(from: try EmailAddress("app@example.com"), to: [try EmailAddress("ann@example.org")], subject: "Hi", text: "Hello")
        return DeliveryRequest(id: "job", email: email, composer: MessageComposer(), recipients: email.recipients, attempt: 1, pinnedProvider: nil)
    }

    @Test func aPausedProviderIsPassedOverUntilResumed() async throws {
        let first = try await SMTPSink.start()
        let second = try await SMTPSink.start()
        let router = try ProviderRouter(providers: [provider("first", port: first.port), provider("second", port: second.port)], logger: logger)
        #expect(!router.setPaused(true, provider: "third"))
        #expect(router.setPaused(true, provider: "first"))
        #expect(router.health.map(\.isPaused) == [true, false])
        guard case .sent = await router.deliver(try request()) else {
            Issue.record("not sent through the second provider")
            return
        }
        #expect(try second.deliveredCount() == 1)
        #expect(router.setPaused(true, provider: "second"))
        guard case .retry(let failure, _, _, _) = await router.deliver(try request()) else {
            Issue.record("expected a retry with every provider paused")
            return
        }
        #expect(failure.code == .noProvider)
        #expect(router.setPaused(false, provider: "first"))
        guard case .sent = await router.deliver(try request()) else {
            Issue.record("not sent through the resumed provider")
            return
        }
        #expect(try first.deliveredCount() == 1)
        #expect(router.health.map(\.isPaused) == [false, true])
        await router.shutdown()
        first.stop()
        second.stop()
    }
}
