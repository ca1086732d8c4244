import MailTimeLMDB
import MailTimeModel

extension QueueStore {
    /// How many jobs one transaction of a bulk action handles, so that senders' operations get
    /// their turn between batches.
    static let bulkBatch = 500

    /// One batch of a bulk action: applies `action` to up to ``bulkBatch`` jobs matching `filter`
    /// (whose state must be set) after `after`. Returns how many jobs it changed, and the last job
    /// it looked at, or `nil` when there are no more.
    func bulkBatch(
        _ action: BulkAction,
        _ filter: JobFilter,
        after: JobID?,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> (changed: Int, last: JobID?) {
        guard let state = filter.state, action.states.contains(state) else {
            throw QueueError(
                .invalidArgument, "\(action.rawValue) applies to jobs that are \(action.states.map(\.description).joined(separator: ", "))")
        }
        let batch = try search(filter, after: after, limit: Self.bulkBatch, transaction)
        var changed = 0
        for job in batch {
            switch action {
            case .requeue:
                try requeueOne(job, now: now, transaction)
                changed += 1
            case .cancel:
                guard !job.cancelRequested else { continue }
                _ = try cancel(job.id, now: now, transaction)
                changed += 1
            case .purge:
                try remove(job, transaction)
                changed += 1
            }
        }
        return (changed, batch.count < Self.bulkBatch ? nil : batch.last?.id)
    }
}
