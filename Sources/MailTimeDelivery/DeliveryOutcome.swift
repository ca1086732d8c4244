import MailTimeModel

/// What a sender reports for one attempt.
public enum DeliveryOutcome: Hashable, Sendable {
    /// Every recipient is settled: accepted, or refused for good. The email is `sent` when at least
    /// one recipient got it.
    case sent([RecipientResult])
    /// Try again later (or at once with a zero delay), on `provider` when given. Recipients already
    /// accepted are in `recipients` and will not be sent to again.
    case retry(DeliveryFailure, recipients: [RecipientResult], delay: Duration?, provider: Int?)
    /// Give up: nothing can be delivered (or what was delivered is in `recipients`).
    case fail(DeliveryFailure, recipients: [RecipientResult])
}
