import MailTimeModel
import MailTimeProtocol
import MailTimeQueue

extension JobStatus {
    /// The protocol's view of a queue job (`STATUS`, `LIST`, events); only `STATUS` gives the
    /// attempt history.
    init(_ job: Job, history: AttemptHistory? = nil) {
        self.init(
            id: job.id.description,
            state: job.state,
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
            idempotencyKey: job.idempotencyKey,
            history: history
        )
    }
}
