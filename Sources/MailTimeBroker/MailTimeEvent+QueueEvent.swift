import MailTimeProtocol
import MailTimeQueue

extension MailTimeEvent {
    /// The `EVENT` body of a queue event: the failure for all but `sent`, the next attempt for `deferred`.
    init(_ event: QueueEvent) {
        let kind: Kind
        switch event.kind {
        case .sent: kind = .sent
        case .deferred: kind = .deferred
        case .failed: kind = .failed
        case .cancelled: kind = .cancelled
        }
        self.init(
            kind: kind,
            id: event.job.id.description,
            at: event.job.updatedAt.millisecondsSince1970,
            nextAttempt: event.kind == .deferred ? event.job.notBefore.millisecondsSince1970 : nil,
            error: event.kind == .sent ? nil : event.job.lastError,
            job: JobStatus(event.job)
        )
    }
}
