import MailTimeLMDB
import MailTimeModel

/// The attempt history: `attempts` holds id · sequence number → ``AttemptRecord``, one entry per
/// attempt, numbered from 1 per job. Only the newest ``AttemptHistory/limit`` entries are kept, so
/// the sequence number of the oldest entry kept tells how many were dropped. Apart from the job
/// record, so that the record rewritten on every state change stays small.
extension QueueStore {
    /// Records the attempt whose report (or lease expiry) turned `job` into `settled`, in the
    /// transaction that settles it: one put, and one delete once the job has more than
    /// ``AttemptHistory/limit`` attempts. Nothing is kept for a final job that is not kept either
    /// (a history retention of zero).
    func recordAttempt(
        of settled: Job,
        outcome: DeliveryAttempt.Outcome,
        error: DeliveryFailure?,
        results: [RecipientResult],
        provider: String?,
        duration: Duration?,
        now: Timestamp,
        _ transaction: LMDBTransaction
    ) throws {
        if settled.state.isFinal, configuration.historyRetention <= .zero { return }
        var error = error
        error?.provider = nil
        error?.at = nil
        let attempt = DeliveryAttempt(
            number: settled.attempts,
            outcome: outcome,
            endedAt: now.millisecondsSince1970,
            durationMilliseconds: duration.map { max($0.milliseconds, 0) },
            provider: provider.flatMap { $0.isEmpty ? nil : $0 },
            error: error,
            recipients: results
        )
        let sequence = try lastAttemptSequence(of: settled.id, transaction) + 1
        try putNew(attempts, Self.attemptKey(settled.id, sequence), AttemptRecord.encode(attempt), transaction)
        let limit = UInt32(AttemptHistory.limit)
        if sequence > limit {
            try transaction.delete(attempts, Self.attemptKey(settled.id, sequence - limit))
        }
    }

    /// The attempts kept for `id`, oldest first, and how many older ones were dropped.
    func attemptHistory(of id: JobID, _ transaction: LMDBTransaction) throws -> AttemptHistory {
        try transaction.withCursor(attempts) { cursor in
            var history = AttemptHistory()
            var entry = try cursor.seek(atLeast: id.bytes)
            while let (key, value) = entry, key.starts(with: id.bytes) {
                if history.attempts.isEmpty { history.dropped = Int(Self.attemptSequence(key)) - 1 }
                history.attempts.append(try value.withUnsafeBytes { bytes throws(QueueError) in try AttemptRecord.decode(bytes) })
                entry = try cursor.next()
            }
            return history
        }
    }

    /// Deletes the attempts of `id` (when its job is deleted).
    func deleteAttempts(of id: JobID, _ transaction: LMDBTransaction) throws {
        try deleteEntries(startingWith: id.bytes, in: attempts, transaction)
    }

    /// The sequence number of the newest attempt of `id`, 0 when it has none.
    private func lastAttemptSequence(of id: JobID, _ transaction: LMDBTransaction) throws -> UInt32 {
        try transaction.withCursor(attempts) { cursor in
            // Sequence numbers never reach 2^32 - 1: the first key past this id's is after all of them.
            let past = try cursor.seek(atLeast: id.bytes + [0xFF, 0xFF, 0xFF, 0xFF])
            let newest = past == nil ? try cursor.last() : try cursor.previous()
            guard let (key, _) = newest, key.starts(with: id.bytes) else { return 0 }
            return Self.attemptSequence(key)
        }
    }

    static func attemptKey(_ id: JobID, _ sequence: UInt32) -> [UInt8] {
        var writer = BinaryWriter(capacity: 20)
        writer.write(id.bytes)
        writer.write(sequence)
        return writer.bytes
    }

    private static func attemptSequence(_ key: [UInt8]) -> UInt32 {
        key[16..<20].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
