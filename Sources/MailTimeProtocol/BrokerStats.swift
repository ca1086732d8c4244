import MailTimeModel

/// The queue at a glance: the body of `STATS`.
public struct BrokerStats: Hashable, Sendable {
    /// How many jobs are in each state.
    public var counts: [JobState: Int]
    /// How long the oldest ready email has waited, in milliseconds.
    public var oldestReadyAgeMilliseconds: Int64
    /// When the next scheduled email falls due (Unix milliseconds), if any.
    public var nextDueAt: Int64?
    /// When the next lease expires (Unix milliseconds), if any.
    public var nextLeaseDeadline: Int64?
    /// Whether the broker's own senders are paused.
    public var isPaused: Bool
    /// Open connections.
    public var connections: Int
    /// The embedded senders' SMTP providers, in configuration order; empty when they deliver to the outbox.
    public var providers: [ProviderHealth]

    public init(
        counts: [JobState: Int],
        oldestReadyAgeMilliseconds: Int64,
        nextDueAt: Int64?,
        nextLeaseDeadline: Int64?,
        isPaused: Bool,
        connections: Int,
        providers: [ProviderHealth]
    ) {
        self.counts = counts
        self.oldestReadyAgeMilliseconds = oldestReadyAgeMilliseconds
        self.nextDueAt = nextDueAt
        self.nextLeaseDeadline = nextLeaseDeadline
        self.isPaused = isPaused
        self.connections = connections
        self.providers = providers
    }
}
