import MailTimeModel

/// A summary of the queue.
public struct QueueStats: Hashable, Sendable {
    /// How many jobs are in each state.
    public var counts: [JobState: Int]
    /// How long the longest-waiting ready job has been due (zero when none is ready).
    public var oldestReadyAge: Duration
    /// The earliest not-before time of a scheduled job, if any.
    public var nextDueAt: Timestamp?
    /// The earliest deadline of a lease, if any.
    public var nextLeaseDeadline: Timestamp?

    /// How many jobs are in `state`.
    public func count(_ state: JobState) -> Int { counts[state, default: 0] }
}
