/// What a lease renewal (`TOUCH`) answers: the lease's new deadline, and whether a cancel arrived meanwhile.
public struct LeaseRenewal: Hashable, Sendable {
    /// The lease's end, in Unix milliseconds.
    public var deadline: Int64
    /// A cancel arrived: the sender should stop if the send has not started.
    public var cancelRequested: Bool

    public init(deadline: Int64, cancelRequested: Bool) {
        self.deadline = deadline
        self.cancelRequested = cancelRequested
    }
}
