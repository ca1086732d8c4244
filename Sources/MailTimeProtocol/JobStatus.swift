import MailTimeModel

/// Where an email stands: the body of `STATUS`, of each `LIST` line and of an event's `job`.
/// Times are Unix milliseconds.
public struct JobStatus: Hashable, Sendable {
    /// The lease a sender holds on the email.
    public struct Lease: Hashable, Sendable {
        /// Who holds it.
        public var owner: String
        /// When it ends unless renewed.
        public var deadline: Int64
        /// The fencing token that reports the outcome.
        public var token: UInt64

        public init(owner: String, deadline: Int64, token: UInt64) {
            self.owner = owner
            self.deadline = deadline
            self.token = token
        }
    }

    /// The job id (a UUID, lower-case).
    public var id: String
    public var state: JobState
    /// Lower goes first; 128 by default.
    public var priority: Int
    /// Delivery attempts made so far.
    public var attempts: Int
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The next attempt, while `scheduled` or `ready`.
    public var notBefore: Int64?
    /// When it reached a final state.
    public var finishedAt: Int64?
    /// The lease, while `leased`.
    public var lease: Lease?
    /// The provider index the next attempt is pinned to, if any.
    public var provider: Int?
    /// Whether a cancel waits for the current attempt to end.
    public var cancelRequested: Bool
    /// The last attempt's failure.
    public var lastError: DeliveryFailure?
    /// Per-recipient results, merged over the attempts.
    public var recipients: [RecipientResult]
    public var idempotencyKey: String?
    /// The last delivery attempts, oldest first, and how many older ones were dropped
    /// (`history`, `history_dropped`): in `STATUS` only, `nil` in `LIST` lines and events.
    public var history: AttemptHistory?

    public init(
        id: String,
        state: JobState,
        priority: Int = 128,
        attempts: Int = 0,
        createdAt: Int64,
        updatedAt: Int64,
        notBefore: Int64? = nil,
        finishedAt: Int64? = nil,
        lease: Lease? = nil,
        provider: Int? = nil,
        cancelRequested: Bool = false,
        lastError: DeliveryFailure? = nil,
        recipients: [RecipientResult] = [],
        idempotencyKey: String? = nil,
        history: AttemptHistory? = nil
    ) {
        self.id = id
        self.state = state
        self.priority = priority
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.notBefore = notBefore
        self.finishedAt = finishedAt
        self.lease = lease
        self.provider = provider
        self.cancelRequested = cancelRequested
        self.lastError = lastError
        self.recipients = recipients
        self.idempotencyKey = idempotencyKey
        self.history = history
    }
}
