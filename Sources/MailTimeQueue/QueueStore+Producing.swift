import MailTimeLMDB
import MailTimeModel

extension QueueStore {
    /// Stores each new job, or finds the job that already has its idempotency key.
    func enqueue(_ batch: [NewJob], now: Timestamp, _ transaction: LMDBTransaction) throws -> [EnqueueResult] {
        try validate(batch)
        var results: [EnqueueResult] = []
        results.reserveCapacity(batch.count)
        for newJob in batch {
            if let key = newJob.idempotencyKey, let id = try liveJob(withKey: key, now: now, transaction) {
                results.append(EnqueueResult(id: id, isDuplicate: true))
                continue
            }
            let id = idGenerator.next(at: now)
            let notBefore = max(newJob.notBefore ?? now, now)
            let job = Job(
                id: id,
                state: notBefore > now ? .scheduled : .ready,
                priority: newJob.priority,
                notBefore: notBefore,
                attempts: 0,
                lease: nil,
                cancelRequested: false,
                providerIndex: nil,
                recipientResults: [],
                lastError: nil,
                createdAt: now,
                updatedAt: now,
                finishedAt: nil,
                retryWindowStart: now,
                idempotencyKey: newJob.idempotencyKey,
                retryPolicy: newJob.retryPolicy,
                payloadSize: newJob.payload.count,
                foldKey: newJob.foldKey
            )
            try insert(job, payload: newJob.payload, attributes: newJob.attributes, transaction)
            if let key = newJob.idempotencyKey {
                var writer = BinaryWriter(capacity: 24)
                writer.write(id.bytes)
                writer.write(now.millisecondsSince1970)
                try transaction.put(idempotency, Array(key.utf8), writer.bytes)
            }
            results.append(EnqueueResult(id: id, isDuplicate: false))
        }
        return results
    }

    /// Cancels a job that has not been sent; a leased job is cancelled when its sender reports back.
    func cancel(_ id: JobID, now: Timestamp, _ transaction: LMDBTransaction) throws -> CancelOutcome {
        let job = try existingJob(id, transaction)
        var cancelled = job
        cancelled.updatedAt = now
        switch job.state {
        case .scheduled, .ready:
            cancelled.state = .cancelled
            cancelled.finishedAt = now
            try update(job, to: cancelled, transaction)
            record(.cancelled, cancelled)
            return .cancelled
        case .leased:
            if !job.cancelRequested {
                cancelled.cancelRequested = true
                try update(job, to: cancelled, transaction)
            }
            return .cancelRequested
        case .sent, .failed, .cancelled:
            throw QueueError(.invalidState, "job \(id) cannot be cancelled: it is already \(job.state)")
        }
    }

    private func validate(_ batch: [NewJob]) throws(QueueError) {
        guard !batch.isEmpty else {
            throw QueueError(.invalidArgument, "an enqueue needs at least one job")
        }
        guard batch.count <= configuration.maximumEnqueueBatch else {
            throw QueueError(
                .invalidArgument,
                "an enqueue takes at most \(configuration.maximumEnqueueBatch) jobs, not \(batch.count)"
            )
        }
        for (index, job) in batch.enumerated() {
            let position = batch.count > 1 ? "job \(index + 1): " : ""
            guard !job.payload.isEmpty else {
                throw QueueError(.invalidArgument, "\(position)the payload is empty")
            }
            guard job.payload.count <= configuration.maximumPayloadSize else {
                throw QueueError(
                    .payloadTooLarge,
                    "\(position)the payload has \(job.payload.count) bytes; the most accepted is \(configuration.maximumPayloadSize)"
                )
            }
            if let key = job.idempotencyKey, key.isEmpty || key.utf8.count > 255 {
                throw QueueError(.invalidArgument, "\(position)an idempotency key must have 1 to 255 bytes")
            }
            if let problem = job.retryPolicy?.validationProblem() {
                throw QueueError(.invalidArgument, "\(position)\(problem)")
            }
        }
    }

    /// The job holding idempotency `key` if it was queued within the window and still exists.
    private func liveJob(withKey key: String, now: Timestamp, _ transaction: LMDBTransaction) throws -> JobID? {
        guard let entry = try transaction.get(idempotency, Array(key.utf8)), entry.count == 24 else { return nil }
        let id = JobID(bytes: Array(entry[0..<16]))!
        var created: Int64 = 0
        for byte in entry[16..<24] { created = created << 8 | Int64(byte) }
        guard Timestamp(millisecondsSince1970: created) + configuration.idempotencyWindow > now else { return nil }
        guard try transaction.get(jobs, id.bytes) != nil else { return nil }
        return id
    }
}
