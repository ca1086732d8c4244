/// Something that happened to a job, reported after it is durable.
public struct QueueEvent: Hashable, Sendable {
    /// What happened.
    public enum Kind: String, Hashable, Sendable {
        /// Delivered: every recipient accepted or permanently rejected, at least one accepted.
        case sent
        /// An attempt failed temporarily; the job waits for another.
        case deferred
        /// The job failed for good.
        case failed
        /// The job was cancelled.
        case cancelled
    }

    /// What happened.
    public var kind: Kind
    /// The job as it is after the event.
    public var job: Job
}
