/// What a cancel did; the raw value is the word of `CANCEL`'s reply.
public enum CancelOutcome: String, Hashable, Sendable {
    /// The email was waiting and is now cancelled.
    case cancelled = "CANCELLED"
    /// A sender holds the email: it is cancelled if that attempt fails or its lease expires.
    case cancelRequested = "CANCEL_REQUESTED"
}
