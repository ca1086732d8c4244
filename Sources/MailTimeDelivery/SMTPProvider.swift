import Logging
import MailTimeMessage
import MailTimeModel
import MailTimeSMTP
import Synchronization

/// One provider at run time: its connection pool, rate limit, circuit breaker, counters and metrics.
final class SMTPProvider: Sendable {
    let index: Int
    let configuration: ProviderConfiguration
    let pool: SMTPConnectionPool
    let defaultFrom: EmailAddress?
    let metrics: ProviderMetrics
    private let rateLimiter: RateLimiter?
    private let state: Mutex<(breaker: CircuitBreaker, health: ProviderHealth)>

    var name: String { configuration.name }

    init(index: Int, configuration: ProviderConfiguration, breaker: CircuitBreaker, logger: Logger) throws {
        self.index = index
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "provider"] = "\(configuration.name)"
        pool = try SMTPConnectionPool(
            client: configuration.smtp,
            configuration: SMTPConnectionPool.Configuration(maximumConnections: configuration.maximumConnections),
            logger: logger
        )
        defaultFrom = try configuration.defaultFrom.map { try EmailAddress($0) }
        rateLimiter = configuration.messagesPerSecond.map { RateLimiter(perSecond: $0) }
        state = Mutex((breaker, ProviderHealth(name: configuration.name)))
        metrics = ProviderMetrics(provider: configuration.name)
    }

    /// Whether a send may go to this provider now (the breaker is closed, or this is its probe).
    func permitsAttempt() -> Bool {
        state.withLock { $0.breaker.permitsAttempt(at: .now) }
    }

    /// Waits for the rate limit.
    func waitForSlot() async {
        await rateLimiter?.acquire()
    }

    func recordSuccess(messages: Int = 1) {
        state.withLock {
            $0.breaker.recordSuccess()
            $0.health.isUp = true
            $0.health.sent += messages
            $0.health.consecutiveFailures = 0
            metrics.recordHealth(isUp: true)
        }
    }

    /// A failure of the provider itself; returns whether it took the provider down.
    @discardableResult
    func recordProviderFailure(_ failure: DeliveryFailure) -> Bool {
        state.withLock {
            let wentDown = $0.breaker.recordFailure(at: .now)
            $0.health.isUp = $0.breaker.isUp
            $0.health.failures += 1
            $0.health.consecutiveFailures = $0.breaker.consecutiveFailures
            $0.health.lastError = failure.text
            metrics.recordHealth(isUp: $0.health.isUp)
            return wentDown
        }
    }

    /// A failed start-up check: the provider is down until its first probe succeeds.
    func takeDown(_ failure: DeliveryFailure) {
        state.withLock {
            $0.breaker.takeDown(at: .now)
            $0.health.isUp = false
            $0.health.failures += 1
            $0.health.consecutiveFailures = $0.breaker.consecutiveFailures
            $0.health.lastError = failure.text
            metrics.recordHealth(isUp: false)
        }
    }

    /// A failure that is not the provider's (temporary or permanent replies).
    func recordRefusal(_ failure: DeliveryFailure) {
        state.withLock {
            $0.breaker.recordSuccess()
            $0.health.isUp = true
            $0.health.failures += 1
            $0.health.lastError = failure.text
            metrics.recordHealth(isUp: true)
        }
    }

    /// Whether the circuit breaker lets the provider be used and it is not paused (for choosing;
    /// cheaper than ``health``).
    var isUp: Bool {
        state.withLock { $0.breaker.isUp && !$0.breaker.isPaused }
    }

    /// Pauses the provider (its circuit held open by hand) or resumes it.
    func setPaused(_ paused: Bool) {
        state.withLock {
            $0.breaker.setPaused(paused)
            $0.health.isPaused = paused
        }
    }

    var health: ProviderHealth {
        state.withLock { $0.health }
    }
}
