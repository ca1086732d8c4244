/// What one ``MailQueue/maintain()`` run deleted.
public struct MaintenanceOutcome: Hashable, Sendable {
    /// Jobs purged from the history (record and payload).
    public var jobs: Int
    /// Payloads of sent jobs deleted past the body retention (their records stay).
    public var bodies: Int

    public init(jobs: Int, bodies: Int) {
        self.jobs = jobs
        self.bodies = bodies
    }
}
