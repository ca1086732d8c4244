import MailTimeModel

/// What a bulk action does to every job matching a ``JobFilter``.
public enum BulkAction: String, Hashable, Sendable, CaseIterable {
    /// Failed and cancelled jobs go back in the queue with fresh attempts.
    case requeue
    /// Scheduled and ready jobs are cancelled; leased ones when their sender reports back.
    case cancel
    /// Sent, failed and cancelled jobs are deleted.
    case purge

    /// The states of the jobs the action applies to.
    public var states: [JobState] {
        switch self {
        case .requeue: [.failed, .cancelled]
        case .cancel: [.scheduled, .ready, .leased]
        case .purge: [.sent, .failed, .cancelled]
        }
    }
}
