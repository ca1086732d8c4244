@testable import MailTimeDelivery
import Testing

@Suite struct CircuitBreakerTests {
    let start = ContinuousClock.now

    @Test func providerFailuresInARowTakeItDownUntilAProbe() {
        var breaker = CircuitBreaker(threshold: 3, coolDown: .seconds(10), maximumCoolDown: .seconds(40))
        let result1 = breaker.recordFailure(at: start)
        #expect(!result1)
        let result2 = breaker.recordFailure(at: start)
        #expect(!result2)
        let result3 = breaker.recordFailure(at: start)
        #expect(result3)
        let result4 = breaker.permitsAttempt(at: start + .seconds(9))
        #expect(!result4)
        // After the cool-down one caller probes; the others wait for its outcome.
        let result5 = breaker.permitsAttempt(at: start + .seconds(10))
        #expect(result5)
        let result6 = breaker.permitsAttempt(at: start + .seconds(10))
        #expect(!result6)
        // A failed probe doubles the cool-down.
        let result7 = breaker.recordFailure(at: start + .seconds(10))
        #expect(result7)
        let result8 = breaker.permitsAttempt(at: start + .seconds(29))
        #expect(!result8)
        let result9 = breaker.permitsAttempt(at: start + .seconds(30))
        #expect(result9)
        breaker.recordSuccess()
        #expect(breaker.isUp)
        let result10 = breaker.permitsAttempt(at: start + .seconds(30))
        #expect(result10)
    }

    @Test func aFailedStartUpCheckTakesItDownAtOnceUntilAProbeSucceeds() {
        var breaker = CircuitBreaker(threshold: 3, coolDown: .seconds(10), maximumCoolDown: .seconds(40))
        breaker.takeDown(at: start)
        #expect(!breaker.isUp)
        #expect(breaker.consecutiveFailures == 1)
        let early = breaker.permitsAttempt(at: start + .seconds(9))
        #expect(!early)
        let probe = breaker.permitsAttempt(at: start + .seconds(10))
        #expect(probe)
        breaker.recordSuccess()
        #expect(breaker.isUp)
        #expect(breaker.consecutiveFailures == 0)
    }

    @Test func aSuccessResetsTheCount() {
        var breaker = CircuitBreaker(threshold: 2, coolDown: .seconds(1), maximumCoolDown: .seconds(1))
        breaker.recordFailure(at: start)
        breaker.recordSuccess()
        let result11 = breaker.recordFailure(at: start)
        #expect(!result11)
        #expect(breaker.isUp)
    }
}
