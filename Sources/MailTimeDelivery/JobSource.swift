/// Where a sender gets emails and reports what happened: the queue itself inside the broker, or
/// the broker's worker commands over the protocol for a separate sender process.
public protocol JobSource: Sendable {
    /// Leases up to `maximum` due emails; empty when none is due. Throwing `CancellationError`
    /// ends the sender loop (a source that is shutting down does so).
    func lease(maximum: Int) async throws -> [DeliveryJob]
    /// Records the outcome of an attempt, with the facts of its history entry.
    func report(_ report: AttemptReport, for job: DeliveryJob) async throws
    /// Extends the lease; returns whether a cancel arrived for the email. Throws when the lease was lost.
    func renew(_ job: DeliveryJob) async throws -> Bool
    /// Waits a little for emails to become due (or returns at once when some may be).
    func waitForWork() async
    /// Gives back a leased email the sender will not send (it is stopping).
    func release(_ job: DeliveryJob) async
}

extension JobSource {
    /// Leaves the email to its lease: it is leased again once the lease expires.
    public func release(_ job: DeliveryJob) async {}
}
