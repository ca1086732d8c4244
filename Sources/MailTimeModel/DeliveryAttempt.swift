/// One delivery attempt of an email, as the queue records it in the email's history and `STATUS`
/// shows it in `history` (`{"attempt","outcome","at","duration_ms","provider","error","recipients"}`).
public struct DeliveryAttempt: Hashable, Sendable {
    /// How an attempt ended.
    public enum Outcome: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// Delivered (`COMPLETE`): the email is sent.
        case sent = 1
        /// A temporary failure (`RETRY`): another attempt follows.
        case deferred = 2
        /// A permanent failure (`FAIL`), or a temporary one with no attempt left.
        case failed = 3
        /// The sender reported back while a cancel was pending: the email is cancelled.
        case cancelled = 4
        /// The lease ran out before the sender reported back.
        case expired = 5

        /// The lower-case name used in the protocol.
        public var name: String {
            switch self {
            case .sent: "sent"
            case .deferred: "deferred"
            case .failed: "failed"
            case .cancelled: "cancelled"
            case .expired: "expired"
            }
        }

        public var description: String { name }

        /// The outcome named `name` (lower-case), or `nil`.
        public init?(name: some StringProtocol) {
            guard let outcome = Outcome.allCases.first(where: { $0.name == name }) else { return nil }
            self = outcome
        }

        /// The outcome of a report that left the email in `state`.
        public init(reportLeaving state: JobState) {
            switch state {
            case .sent: self = .sent
            case .failed: self = .failed
            case .cancelled: self = .cancelled
            case .scheduled, .ready, .leased: self = .deferred
            }
        }
    }

    /// Which attempt of the email this was: the email's `attempts` when it ended (1 for the first;
    /// counting starts again after a requeue).
    public var number: Int
    public var outcome: Outcome
    /// When the attempt ended: its report was recorded, or its lease was found expired (Unix milliseconds).
    public var endedAt: Int64
    /// How long the delivery took, as the sender measured it; `nil` when it did not say.
    public var durationMilliseconds: Int64?
    /// The provider that gave the outcome, if the sender named one.
    public var provider: String?
    /// Why the attempt did not deliver (`code` and `text` only): `nil` for a sent email.
    public var error: DeliveryFailure?
    /// What the servers answered per recipient in this attempt alone.
    public var recipients: [RecipientResult]

    public init(
        number: Int,
        outcome: Outcome,
        endedAt: Int64,
        durationMilliseconds: Int64? = nil,
        provider: String? = nil,
        error: DeliveryFailure? = nil,
        recipients: [RecipientResult] = []
    ) {
        self.number = number
        self.outcome = outcome
        self.endedAt = endedAt
        self.durationMilliseconds = durationMilliseconds
        self.provider = provider
        self.error = error
        self.recipients = recipients
    }
}
