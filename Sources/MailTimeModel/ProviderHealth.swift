/// How an SMTP provider is doing: what the router keeps, `STATS` reports and `mailtime stats` shows.
public struct ProviderHealth: Hashable, Sendable {
    /// The provider's name from its configuration.
    public var name: String
    /// Whether the provider is in use; false while its circuit breaker keeps it out.
    public var isUp: Bool
    /// Messages it accepted.
    public var sent: Int
    /// Attempts through it that failed.
    public var failures: Int
    /// Provider failures in a row (connection, TLS, authentication, policy).
    public var consecutiveFailures: Int
    /// The last failure's text.
    public var lastError: String?
    /// Whether an operator paused the provider (its circuit held open by hand).
    public var isPaused: Bool

    public init(
        name: String,
        isUp: Bool = true,
        sent: Int = 0,
        failures: Int = 0,
        consecutiveFailures: Int = 0,
        lastError: String? = nil,
        isPaused: Bool = false
    ) {
        self.name = name
        self.isUp = isUp
        self.sent = sent
        self.failures = failures
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.isPaused = isPaused
    }
}
