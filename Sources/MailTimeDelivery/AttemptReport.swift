/// What a sender reports for one attempt: its outcome and the facts the queue records in the
/// email's attempt history.
public struct AttemptReport: Hashable, Sendable {
    public var outcome: DeliveryOutcome
    /// The provider that gave the outcome, if one did.
    public var provider: String?
    /// How long the delivery took; `nil` when nothing was sent (the email could not be read).
    public var duration: Duration?

    public init(_ outcome: DeliveryOutcome, provider: String? = nil, duration: Duration? = nil) {
        self.outcome = outcome
        self.provider = provider
        self.duration = duration
    }
}
