/// The delivery attempts recorded for one email: the newest ``limit`` of them, oldest first, and
/// how many older ones were dropped to keep it at that. `STATUS` shows them as `history` and
/// `history_dropped`.
public struct AttemptHistory: Hashable, Sendable {
    /// The most attempts kept per email.
    public static let limit = 50

    /// The attempts kept, oldest first.
    public var attempts: [DeliveryAttempt]
    /// How many older attempts were dropped.
    public var dropped: Int

    public init(attempts: [DeliveryAttempt] = [], dropped: Int = 0) {
        self.attempts = attempts
        self.dropped = dropped
    }
}
