import MailTimeLMDB

extension QueueStore {
    /// How many bodies one purge pass deletes: small, so that a pass shares its transaction with
    /// the SENDs and reports of the same group commit without delaying them noticeably.
    static let bodyPassLimit = 500

    /// A job has just been sent: without a body retention its payload goes at once, otherwise it is
    /// indexed in `bodies` to be purged once the retention has passed.
    func keepBody(of job: Job, _ transaction: LMDBTransaction) throws {
        if configuration.bodyRetention <= .zero {
            try deletePayload(of: job.id, transaction)
        } else {
            try putNew(bodies, Self.timeKey(job.finishedAt!, job.id), [], transaction)
        }
    }

    /// Deletes the payloads of up to ``bodyPassLimit`` sent jobs that were sent at or before
    /// `cutoff`; their records stay. Returns how many.
    func purgeBodies(sentBefore cutoff: Timestamp, _ transaction: LMDBTransaction) throws -> Int {
        let keys = try transaction.withCursor(bodies) { cursor in
            var keys: [[UInt8]] = []
            var entry = try cursor.first()
            while let (key, _) = entry, keys.count < Self.bodyPassLimit, Self.parseTimeKey(key).0 <= cutoff {
                keys.append(key)
                entry = try cursor.next()
            }
            return keys
        }
        for key in keys {
            try deletePayload(of: Self.parseTimeKey(key).1, transaction)
            try transaction.delete(bodies, key)
        }
        return keys.count
    }
}
