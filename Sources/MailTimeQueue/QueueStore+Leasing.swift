import MailTimeLMDB
import MailTimeModel

extension QueueStore {
    /// Leases up to `maximum` due jobs in order (priority, then not-before, then id). With
    /// `folding`, a job with a fold key brings along the waiting jobs of the same key that arrived
    /// within its window (created no later than it became due).
    func lease(
        maximum: Int,
        visibility: Duration,
        owner: String,
        folding: Bool = false,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> [LeasedJob] {
        guard (1...configuration.maximumLeaseBatch).contains(maximum) else {
            throw QueueError(.invalidArgument, "a lease takes 1 to \(configuration.maximumLeaseBatch) jobs, not \(maximum)")
        }
        guard visibility > .zero, visibility <= configuration.maximumVisibility else {
            throw QueueError(
                .invalidArgument,
                "the visibility timeout must be positive and at most \(configuration.maximumVisibility.milliseconds / 1000) seconds"
            )
        }
        guard !owner.isEmpty, owner.utf8.count <= 255 else {
            throw QueueError(.invalidArgument, "the lease owner's name must have 1 to 255 bytes")
        }
        let keys = try transaction.withCursor(ready) { cursor in
            var keys: [[UInt8]] = []
            var entry = try cursor.first()
            while let (key, _) = entry, keys.count < maximum {
                keys.append(key)
                entry = try cursor.next()
            }
            return keys
        }
        var leased: [LeasedJob] = []
        leased.reserveCapacity(keys.count)
        for key in keys {
            let job = try existingJob(JobID(bytes: Array(key[9..<25]))!, transaction)
            // An earlier job of this batch may have folded it in already.
            guard job.state == .ready else { continue }
            var head = try leaseOne(job, visibility: visibility, owner: owner, now: now, transaction)
            if folding, let foldKey = job.foldKey {
                head.folded = try leaseFolded(foldKey, into: job, visibility: visibility, owner: owner, now: now, transaction)
            }
            leased.append(head)
        }
        return leased
    }

    private func leaseOne(_ job: Job, visibility: Duration, owner: String, now: Timestamp, _ transaction: LMDBTransaction) throws -> LeasedJob {
        var next = job
        next.state = .leased
        next.attempts += 1
        next.lease = Lease(owner: owner, deadline: now + visibility, token: nextToken())
        next.updatedAt = now
        try update(job, to: next, transaction)
        let payload = try getPayload(of: job.id, transaction) ?? []
        return LeasedJob(job: next, payload: payload)
    }

    /// The most jobs one folding lease brings along.
    static let maximumFolded = 100

    /// Leases the waiting jobs with `foldKey` that arrived by the time `head` became due.
    private func leaseFolded(
        _ foldKey: String,
        into head: Job,
        visibility: Duration,
        owner: String,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> [LeasedJob] {
        let prefix = Self.foldPrefix(foldKey)
        let members = try transaction.withCursor(folds) { cursor in
            var ids: [JobID] = []
            var entry = try cursor.seek(atLeast: prefix)
            while let (key, _) = entry, key.starts(with: prefix), ids.count < Self.maximumFolded {
                if let id = JobID(bytes: Array(key[prefix.count...])), id != head.id { ids.append(id) }
                entry = try cursor.next()
            }
            return ids
        }
        var folded: [LeasedJob] = []
        for id in members {
            let member = try existingJob(id, transaction)
            guard member.createdAt <= head.notBefore, member.state == .ready || member.state == .scheduled else { continue }
            folded.append(try leaseOne(member, visibility: visibility, owner: owner, now: now, transaction))
        }
        return folded
    }

    /// Records a delivery: the job is sent. `provider` and `duration` go to the attempt's history
    /// entry, as do the attempts of ``retryLater`` and ``fail``.
    func complete(
        _ id: JobID,
        token: UInt64,
        results: [RecipientResult],
        provider: String? = nil,
        duration: Duration? = nil,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> Job {
        let job = try heldJob(id, token: token, transaction)
        var sent = job
        sent.state = .sent
        sent.recipientResults = merge(job.recipientResults, results)
        sent.finishedAt = now
        sent.updatedAt = now
        try update(job, to: sent, transaction)
        try recordAttempt(
            of: sent, outcome: .sent, error: nil, results: results, provider: provider, duration: duration, now: now, transaction)
        record(.sent, sent)
        return sent
    }

    /// Records a temporary failure: the job is tried again after a backoff (or after `delay`),
    /// unless it is out of attempts or too old, or a cancel is pending.
    func retryLater(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult],
        delay: Duration?,
        providerIndex: Int?,
        duration: Duration? = nil,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> Job {
        if let delay, delay < .zero {
            throw QueueError(.invalidArgument, "the retry delay must not be negative")
        }
        let job = try heldJob(id, token: token, transaction)
        var next = job
        next.recipientResults = merge(job.recipientResults, results)
        next.lastError = stamped(error, now)
        next.updatedAt = now
        // The report uses up the lease: the same token cannot report twice.
        next.lease = nil
        if let providerIndex { next.providerIndex = providerIndex }
        let policy = retryPolicy(for: job)
        if job.cancelRequested {
            next.state = .cancelled
            next.finishedAt = now
        } else if !policy.allowsAnotherAttempt(after: job.attempts, start: job.retryWindowStart, now: now) {
            next.state = .failed
            next.finishedAt = now
        } else {
            next.notBefore = now + (delay ?? policy.delay(afterAttempts: job.attempts, using: &random))
            next.state = next.notBefore > now ? .scheduled : .ready
        }
        try update(job, to: next, transaction)
        try recordAttempt(
            of: next, outcome: DeliveryAttempt.Outcome(reportLeaving: next.state), error: error, results: results,
            provider: error.provider, duration: duration, now: now, transaction)
        switch next.state {
        case .cancelled: record(.cancelled, next)
        case .failed: record(.failed, next)
        default: record(.deferred, next)
        }
        return next
    }

    /// Gives a lease back unused (the sender is stopping and never started the send): the job is
    /// ready again at once and the attempt does not count. A pending cancel is honoured.
    func release(_ id: JobID, token: UInt64, now: Timestamp, _ transaction: LMDBTransaction) throws -> Job {
        let job = try heldJob(id, token: token, transaction)
        guard job.state == .leased else {
            throw QueueError(.invalidState, "job \(id) is not leased")
        }
        var next = job
        next.lease = nil
        next.updatedAt = now
        if job.cancelRequested {
            next.state = .cancelled
            next.finishedAt = now
        } else {
            next.state = .ready
            next.attempts = max(0, job.attempts - 1)
            next.notBefore = now
        }
        try update(job, to: next, transaction)
        if next.state == .cancelled { record(.cancelled, next) }
        return next
    }

    /// Records a permanent failure: the job fails for good.
    func fail(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult],
        duration: Duration? = nil,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws -> Job {
        let job = try heldJob(id, token: token, transaction)
        var failed = job
        failed.state = .failed
        failed.recipientResults = merge(job.recipientResults, results)
        failed.lastError = stamped(error, now)
        failed.finishedAt = now
        failed.updatedAt = now
        try update(job, to: failed, transaction)
        try recordAttempt(
            of: failed, outcome: .failed, error: error, results: results, provider: error.provider, duration: duration, now: now, transaction)
        record(.failed, failed)
        return failed
    }

    /// Extends a lease that is still held.
    func touch(_ id: JobID, token: UInt64, extendBy extension: Duration, now: Timestamp, _ transaction: LMDBTransaction) throws -> LeaseRenewal {
        guard `extension` > .zero, `extension` <= configuration.maximumVisibility else {
            throw QueueError(
                .invalidArgument,
                "a lease can be extended by a positive time of at most \(configuration.maximumVisibility.milliseconds / 1000) seconds"
            )
        }
        let job = try heldJob(id, token: token, transaction)
        guard job.state == .leased else {
            throw QueueError(.staleToken, "the lease with token \(token) on job \(id) expired; the job went back to the queue")
        }
        var renewed = job
        renewed.lease!.deadline = now + `extension`
        renewed.updatedAt = now
        try update(job, to: renewed, transaction)
        return LeaseRenewal(deadline: renewed.lease!.deadline.millisecondsSince1970, cancelRequested: job.cancelRequested)
    }

    /// Makes due scheduled jobs ready and ends expired leases (each recorded as an `expired`
    /// attempt); runs at the start of every write round, so a lease always sees the jobs that are
    /// due. Each pass moves a bounded number.
    func housekeep(now: Timestamp, _ transaction: LMDBTransaction) throws {
        for id in try dueEntries(in: scheduled, now: now, transaction) {
            let job = try existingJob(id, transaction)
            var due = job
            due.state = .ready
            try update(job, to: due, transaction)
        }
        for id in try dueEntries(in: leases, now: now, transaction) {
            let job = try existingJob(id, transaction)
            var next = job
            next.updatedAt = now
            let event: QueueEvent.Kind?
            let expiry = DeliveryFailure.leaseExpired(owner: job.lease?.owner ?? "unknown", at: now)
            if job.cancelRequested {
                next.state = .cancelled
                next.finishedAt = now
                event = .cancelled
            } else if !retryPolicy(for: job).allowsAnotherAttempt(after: job.attempts, start: job.retryWindowStart, now: now) {
                next.state = .failed
                next.finishedAt = now
                next.lastError = expiry
                event = .failed
            } else {
                next.state = .ready
                next.notBefore = now
                event = nil
            }
            try update(job, to: next, transaction)
            try recordAttempt(
                of: next, outcome: .expired, error: expiry, results: [], provider: nil, duration: nil, now: now, transaction)
            if let event { record(event, next) }
        }
    }

    /// Ids whose time key is at or before `now`, from the front of a time-ordered index.
    private func dueEntries(in database: LMDBDatabase, now: Timestamp, _ transaction: LMDBTransaction) throws -> [JobID] {
        try transaction.withCursor(database) { cursor in
            var ids: [JobID] = []
            var entry = try cursor.first()
            while let (key, _) = entry, ids.count < Self.housekeepingLimit {
                let (time, id) = Self.parseTimeKey(key)
                guard time <= now else { break }
                ids.append(id)
                entry = try cursor.next()
            }
            return ids
        }
    }

    /// The job whose last lease carries `token`, provided no one leased it since and it is not final.
    /// A job whose lease expired but was not leased again may still report.
    private func heldJob(_ id: JobID, token: UInt64, _ transaction: LMDBTransaction) throws -> Job {
        let job = try existingJob(id, transaction)
        guard let lease = job.lease else {
            throw QueueError(.staleToken, "token \(token) does not hold job \(id): no lease is held on it")
        }
        guard lease.token == token else {
            throw QueueError(.staleToken, "token \(token) does not hold job \(id): it is not the token of the job's latest lease")
        }
        switch job.state {
        case .leased, .ready, .scheduled:
            return job
        case .sent, .failed, .cancelled:
            throw QueueError(.invalidState, "job \(id) is already \(job.state)")
        }
    }

    /// Merges new recipient results into old ones by address. An accepted recipient stays accepted.
    private func merge(_ old: [RecipientResult], _ new: [RecipientResult]) -> [RecipientResult] {
        guard !new.isEmpty else { return old }
        var merged = old
        for result in new {
            if let index = merged.firstIndex(where: { $0.address == result.address }) {
                if !merged[index].accepted { merged[index] = result }
            } else {
                merged.append(result)
            }
        }
        return merged
    }

    private func stamped(_ error: DeliveryFailure, _ now: Timestamp) -> DeliveryFailure {
        var error = error
        error.at = now.millisecondsSince1970
        return error
    }
}
