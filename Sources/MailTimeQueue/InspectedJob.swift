import MailTimeModel

/// A job with its delivery attempts, read in one transaction (see ``MailQueue/inspect(_:)``).
public struct InspectedJob: Hashable, Sendable {
    public var job: Job
    /// Its last attempts, oldest first, and how many older ones were dropped.
    public var history: AttemptHistory
}
