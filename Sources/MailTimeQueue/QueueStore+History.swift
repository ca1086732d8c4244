import MailTimeLMDB

extension QueueStore {
    /// How many jobs one purge or requeue-all pass handles, so no transaction grows without bound.
    static let historyPassLimit = 10_000

    /// Puts failed or cancelled jobs back in the queue with fresh attempts. Returns their ids.
    func requeue(_ selection: RequeueSelection, now: Timestamp, _ transaction: LMDBTransaction) throws -> [JobID] {
        let selected: [Job]
        switch selection {
        case .ids(let ids):
            guard !ids.isEmpty, ids.count <= Self.historyPassLimit else {
                throw QueueError(.invalidArgument, "a requeue takes 1 to \(Self.historyPassLimit) ids")
            }
            selected = try ids.map { id in
                let job = try existingJob(id, transaction)
                guard job.state == .failed || job.state == .cancelled else {
                    throw QueueError(.invalidState, "job \(id) is \(job.state); only failed or cancelled jobs can be requeued")
                }
                return job
            }
        case .allFailed:
            selected = try list(state: .failed, after: nil, limit: 1000, transaction)
        }
        var requeued = Set<JobID>()
        for job in selected where !requeued.contains(job.id) {
            try requeueOne(job, now: now, transaction)
            requeued.insert(job.id)
        }
        return selected.map(\.id).filter { requeued.remove($0) != nil }
    }

    /// Puts one failed or cancelled job back in the queue, ready at once, with fresh attempts and
    /// without the results of the recipients that refused it.
    func requeueOne(_ job: Job, now: Timestamp, _ transaction: LMDBTransaction) throws {
        var next = job
        next.state = .ready
        next.notBefore = now
        next.attempts = 0
        // The recipients that refused it are tried again; those that accepted it are not sent it twice.
        next.recipientResults = job.recipientResults.filter(\.accepted)
        next.cancelRequested = false
        next.finishedAt = nil
        next.lease = nil
        next.retryWindowStart = now
        next.updatedAt = now
        try update(job, to: next, transaction)
    }

    /// Deletes up to ``historyPassLimit`` final jobs that finished at or before `cutoff`.
    func purge(finishedBefore cutoff: Timestamp, _ transaction: LMDBTransaction) throws -> Int {
        let ids = try transaction.withCursor(finished) { cursor in
            var ids: [JobID] = []
            var entry = try cursor.first()
            while let (key, _) = entry, ids.count < Self.historyPassLimit {
                let (time, id) = Self.parseTimeKey(key)
                guard time <= cutoff else { break }
                ids.append(id)
                entry = try cursor.next()
            }
            return ids
        }
        for id in ids {
            try remove(try existingJob(id, transaction), transaction)
        }
        return ids.count
    }
}
