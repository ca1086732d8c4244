/// How a provider is doing, for `STATS`, `mailtime stats` and metrics.
public struct ProviderHealth: Hashable, Sendable {
    public var name: String
    /// Whether the provider is in use; false while its circuit breaker keeps it out.
    public var isUp = true
    /// Messages it accepted.
    public var sent = 0
    /// Attempts through it that failed.
    public var failures = 0
    /// Provider failures in a row (connection, TLS, authentication, policy).
    public var consecutiveFailures = 0
    /// The last failure's text.
    public var lastError: String?

    public init(name: String) {
        self.name = name
    }
}
