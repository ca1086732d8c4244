/// A sender's hold on a job: until `deadline` no one else gets it, and only the holder of `token`
/// can report its outcome.
public struct Lease: Hashable, Sendable {
    /// Who holds the lease (a sender's name).
    public var owner: String
    /// When the lease runs out and the job returns to the queue.
    public var deadline: Timestamp
    /// The fencing token: new and larger on every lease, so a sender whose lease expired
    /// and was given to another cannot report for the job any more.
    public var token: UInt64

    public init(owner: String, deadline: Timestamp, token: UInt64) {
        self.owner = owner
        self.deadline = deadline
        self.token = token
    }
}
