import MailTimeProtocol
import MailTimeQueue

extension JobStatus {
    /// The protocol's view of a queue job (`STATUS`, `LIST`, events).
    init(_ job: Job) {
        self.init(
            id: job.id.description,
            state: State(job.state),
            priority: Int(job.priority),
            attempts: job.attempts,
            createdAt: job.createdAt.millisecondsSince1970,
            updatedAt: job.updatedAt.millisecondsSince1970,
            notBefore: !job.state.isFinal && job.state != .leased ? job.notBefore.millisecondsSince1970 : nil,
            finishedAt: job.finishedAt?.millisecondsSince1970,
            lease: job.activeLease.map { Lease(owner: $0.owner, deadline: $0.deadline.millisecondsSince1970, token: $0.token) },
            provider: job.providerIndex,
            cancelRequested: job.cancelRequested,
            lastError: job.lastError,
            recipients: job.recipientResults,
            idempotencyKey: job.idempotencyKey
        )
    }
}

extension JobStatus.State {
    /// The protocol's name for a queue state.
    init(_ state: JobState) {
        switch state {
        case .scheduled: self = .scheduled
        case .ready: self = .ready
        case .leased: self = .leased
        case .sent: self = .sent
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}
