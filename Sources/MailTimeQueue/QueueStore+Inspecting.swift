import MailTimeLMDB
import MailTimeModel

extension QueueStore {
    func status(_ id: JobID, _ transaction: LMDBTransaction) throws -> Job {
        try existingJob(id, transaction)
    }

    func payload(_ id: JobID, _ transaction: LMDBTransaction) throws -> [UInt8] {
        guard let payload = try getPayload(of: id, transaction) else {
            let job = try existingJob(id, transaction)
            throw QueueError(.notFound, "the body of job \(id) was deleted: it was \(job.state) longer ago than the body retention")
        }
        return payload
    }

    /// Up to `limit` jobs in `state`, in id order, after the id `after` (exclusive).
    func list(state: JobState, after: JobID?, limit: Int, _ transaction: LMDBTransaction) throws -> [Job] {
        guard (1...1000).contains(limit) else {
            throw QueueError(.invalidArgument, "a list takes a limit of 1 to 1000, not \(limit)")
        }
        let keys = try transaction.withCursor(states) { cursor in
            var keys: [[UInt8]] = []
            var start = [state.rawValue]
            if let after { start = Self.stateKey(state, after) + [0] }
            var entry = try cursor.seek(atLeast: start)
            while let (key, _) = entry, key.first == state.rawValue, keys.count < limit {
                keys.append(key)
                entry = try cursor.next()
            }
            return keys
        }
        return try keys.map { key in try existingJob(JobID(bytes: Array(key[1...]))!, transaction) }
    }

    func stats(now: Timestamp, _ transaction: LMDBTransaction) throws -> QueueStats {
        var counts: [JobState: Int] = [:]
        for state in JobState.allCases { counts[state] = counters.perState[Int(state.rawValue)] }
        return QueueStats(
            counts: counts,
            oldestReadyAge: try oldestReadySince(transaction).map { max(now.duration(since: $0), .zero) } ?? .zero,
            nextDueAt: try firstTime(in: scheduled, transaction),
            nextLeaseDeadline: try firstTime(in: leases, transaction)
        )
    }

    /// The earliest not-before among ready jobs: the first entry of each priority band.
    private func oldestReadySince(_ transaction: LMDBTransaction) throws -> Timestamp? {
        try transaction.withCursor(ready) { cursor in
            var oldest: Timestamp?
            var entry = try cursor.first()
            while let (key, _) = entry {
                let (since, _) = Self.parseTimeKey(Array(key[1...]))
                oldest = min(oldest ?? since, since)
                guard key[0] < UInt8.max else { break }
                entry = try cursor.seek(atLeast: [key[0] + 1])
            }
            return oldest
        }
    }

    private func firstTime(in database: LMDBDatabase, _ transaction: LMDBTransaction) throws -> Timestamp? {
        try transaction.withCursor(database) { cursor in
            try cursor.first().map { Self.parseTimeKey($0.key).0 }
        }
    }
}
