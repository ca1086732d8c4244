import MailTimeLMDB
import MailTimeModel

/// One queue operation, ready to run with ``MailQueue/run(_:)`` or ``MailQueue/submit(_:completion:)``.
///
/// ``MailQueue``'s named methods are shorthands for these. Submitting operations by value lets a
/// caller that is not async (a channel handler) queue several in order without waiting for each.
public struct QueueOperation<Result: Sendable>: Sendable {
    @usableFromInline let body: @Sendable (QueueStore, LMDBTransaction, Timestamp) throws -> Result
    /// Whether the operation only reads. When a group commit cannot be written (a full or read-only
    /// disk), such operations are answered from a read-only transaction instead of failing with it.
    @usableFromInline let isReadOnly: Bool

    init(readOnly: Bool = false, _ body: @escaping @Sendable (QueueStore, LMDBTransaction, Timestamp) throws -> Result) {
        self.body = body
        self.isReadOnly = readOnly
    }
}

extension QueueOperation where Result == [EnqueueResult] {
    /// Queues `batch` atomically: all jobs are stored, or none is.
    public static func enqueue(_ batch: [NewJob]) -> Self {
        Self { store, transaction, now in try store.enqueue(batch, now: now, transaction) }
    }
}

extension QueueOperation where Result == CancelOutcome {
    /// Cancels a job (see ``MailQueue/cancel(_:)``).
    public static func cancel(_ id: JobID) -> Self {
        Self { store, transaction, now in try store.cancel(id, now: now, transaction) }
    }
}

extension QueueOperation where Result == [LeasedJob] {
    /// Leases due jobs (see ``MailQueue/lease(maximum:visibility:owner:)``).
    public static func lease(maximum: Int, visibility: Duration, owner: String, folding: Bool = false) -> Self {
        Self { store, transaction, now in
            try store.lease(maximum: maximum, visibility: visibility, owner: owner, folding: folding, now: now, transaction)
        }
    }
}

extension QueueOperation where Result == Job {
    /// Records a delivery (see ``MailQueue/complete(_:token:results:provider:duration:)``).
    public static func complete(
        _ id: JobID,
        token: UInt64,
        results: [RecipientResult] = [],
        provider: String? = nil,
        duration: Duration? = nil
    ) -> Self {
        Self { store, transaction, now in
            try store.complete(id, token: token, results: results, provider: provider, duration: duration, now: now, transaction)
        }
    }

    /// Records a temporary failure (see ``MailQueue/retryLater(_:token:error:results:delay:providerIndex:duration:)``).
    public static func retryLater(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        delay: Duration? = nil,
        providerIndex: Int? = nil,
        duration: Duration? = nil
    ) -> Self {
        Self { store, transaction, now in
            try store.retryLater(
                id,
                token: token,
                error: error,
                results: results,
                delay: delay,
                providerIndex: providerIndex,
                duration: duration,
                now: now,
                transaction
            )
        }
    }

    /// Gives a lease back unused (see ``MailQueue/release(_:token:)``).
    public static func release(_ id: JobID, token: UInt64) -> Self {
        Self { store, transaction, now in try store.release(id, token: token, now: now, transaction) }
    }

    /// Records a permanent failure (see ``MailQueue/fail(_:token:error:results:duration:)``).
    public static func fail(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        duration: Duration? = nil
    ) -> Self {
        Self { store, transaction, now in
            try store.fail(id, token: token, error: error, results: results, duration: duration, now: now, transaction)
        }
    }

    /// The job with this id.
    public static func status(_ id: JobID) -> Self {
        Self(readOnly: true) { store, transaction, _ in try store.status(id, transaction) }
    }
}

extension QueueOperation where Result == InspectedJob {
    /// The job with this id and its attempt history (see ``MailQueue/inspect(_:)``).
    public static func inspect(_ id: JobID) -> Self {
        Self(readOnly: true) { store, transaction, _ in
            InspectedJob(job: try store.status(id, transaction), history: try store.attemptHistory(of: id, transaction))
        }
    }
}

extension QueueOperation where Result == LeaseRenewal {
    /// Extends a lease (see ``MailQueue/touch(_:token:extendBy:)``).
    public static func touch(_ id: JobID, token: UInt64, extendBy extension: Duration) -> Self {
        Self { store, transaction, now in try store.touch(id, token: token, extendBy: `extension`, now: now, transaction) }
    }
}

extension QueueOperation where Result == [UInt8] {
    /// The job's payload.
    public static func payload(of id: JobID) -> Self {
        Self(readOnly: true) { store, transaction, _ in try store.payload(id, transaction) }
    }
}

extension QueueOperation where Result == [Job] {
    /// Up to `limit` jobs in `state` after `after` (see ``MailQueue/list(state:after:limit:)``).
    public static func list(state: JobState, after: JobID? = nil, limit: Int = 100) -> Self {
        Self(readOnly: true) { store, transaction, _ in try store.list(state: state, after: after, limit: limit, transaction) }
    }
}

extension QueueOperation where Result == QueueStats {
    /// Counts and times (see ``MailQueue/stats()``).
    public static func stats() -> Self {
        Self(readOnly: true) { store, transaction, now in try store.stats(now: now, transaction) }
    }
}

extension QueueOperation where Result == [JobID] {
    /// One pass of a requeue: at most 1,000 jobs for ``RequeueSelection/allFailed``.
    static func requeuePass(_ selection: RequeueSelection) -> Self {
        Self { store, transaction, now in try store.requeue(selection, now: now, transaction) }
    }
}

extension QueueOperation where Result == Int {
    /// One pass of a body purge: at most ``QueueStore/bodyPassLimit`` payloads.
    static func bodyPurgePass(olderThan age: Duration) -> Self {
        Self { store, transaction, now in try store.purgeBodies(sentBefore: now - age, transaction) }
    }

    /// One pass of a purge: at most ``QueueStore/historyPassLimit`` jobs.
    static func purgePass(olderThan age: Duration) -> Self {
        Self { store, transaction, now in try store.purge(finishedBefore: now - age, transaction) }
    }
}

extension QueueOperation where Result == Void {
    /// Nothing but the housekeeping every operation does first: due jobs become ready, expired leases end.
    static func housekeeping() -> Self {
        Self { _, _, _ in }
    }
}
