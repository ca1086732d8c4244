import Logging
import MailTimeLMDB
import MailTimeModel

/// The durable mail queue.
///
/// Every write is on disk (LMDB, synced) before its call returns; concurrent calls share one
/// transaction and one sync (group commit). LMDB runs on the queue's own thread; callers only await.
///
/// ```swift
/// let queue = try MailQueue(configuration: .init(directory: "./var"), logger: logger)
/// let ids = try await queue.enqueue([NewJob(payload: email)])
/// let jobs = try await queue.lease(maximum: 10, visibility: .seconds(300), owner: "sender-1")
/// try await queue.complete(jobs[0].job.id, token: jobs[0].token, results: results)
/// ```
public final class MailQueue: Sendable {
    /// What the queue was opened with.
    public let configuration: Configuration
    /// Sent, deferred, failed and cancelled jobs, as they become durable. Holds the newest
    /// 10,000 events when nobody reads it.
    public let events: AsyncStream<QueueEvent>

    @usableFromInline let committer: GroupCommitter

    /// Opens the queue in `configuration.directory`, creating it when missing.
    ///
    /// - Throws: ``QueueError`` with code `LOCKED` when another process holds the directory,
    ///   `STORAGE` when it cannot be created, written or opened.
    public init(configuration: Configuration, logger: Logger) throws(QueueError) {
        if let problem = configuration.retryPolicy.validationProblem() {
            throw QueueError(.invalidArgument, problem)
        }
        self.configuration = configuration
        let store: QueueStore
        do {
            store = try QueueStore(configuration: configuration)
        } catch let error as LMDBError {
            let code: QueueError.Code = error.code == LMDBError.directoryLockedCode ? .locked : .storage
            throw QueueError(code, error.message)
        } catch {
            throw QueueError(.storage, "cannot open the store in \(configuration.directory): \(error)")
        }
        let (events, continuation) = AsyncStream.makeStream(of: QueueEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        self.events = events
        committer = GroupCommitter(store: store, logger: logger) { batch in
            for event in batch { continuation.yield(event) }
        }
        logger.info("queue opened", metadata: ["store.directory": "\(configuration.directory)"])
    }

    /// Answers every operation already submitted, then closes the store. Later calls fail with `CLOSED`.
    public func close() {
        committer.stop()
    }

    /// Runs `operation` and returns once its effects are durable.
    @inlinable
    public func run<Result: Sendable>(_ operation: QueueOperation<Result>) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            submit(operation) { continuation.resume(with: $0) }
        }
    }

    /// Queues `operation` and returns at once; `completion` runs once its effects are durable, on
    /// the queue's thread (keep it short). Operations submitted from one thread run in that order.
    ///
    /// Inlinable, so that it is specialized where it is called: the store thread then runs no
    /// generic code for the result type (looking up generic metadata for each request costs more
    /// than a small operation).
    @inlinable
    public func submit<Result: Sendable>(
        _ operation: QueueOperation<Result>,
        completion: @escaping @Sendable (Swift.Result<Result, any Error>) -> Void
    ) {
        var outcome: Swift.Result<Result, QueueError>?
        committer.submit(
            StoreRequest(
                isReadOnly: operation.isReadOnly,
                execute: { store, transaction, now in
                    do {
                        outcome = .success(try operation.body(store, transaction, now))
                    } catch let error as QueueError {
                        outcome = .failure(error)
                    }
                },
                finish: { failure in
                    if let failure {
                        completion(.failure(failure))
                    } else {
                        completion(outcome!.mapError { $0 })
                    }
                }
            )
        )
    }

    // MARK: Producing

    /// Queues `batch` atomically: all jobs are stored, or none is. Returns one result per job, in order.
    public func enqueue(_ batch: [NewJob]) async throws -> [EnqueueResult] {
        try await run(.enqueue(batch))
    }

    /// Cancels a job: at once when it waits, or when its sender reports back if it is leased.
    /// A sent, failed or cancelled job gives `INVALID_STATE`.
    public func cancel(_ id: JobID) async throws -> CancelOutcome {
        try await run(.cancel(id))
    }

    // MARK: Sending

    /// Leases up to `maximum` due jobs to `owner` for `visibility`, most urgent first
    /// (priority, then not-before, then id). Each gets a new fencing token. With `folding`, a job
    /// with a fold key brings along, in ``LeasedJob/folded``, the waiting jobs of the same key
    /// that arrived within its window.
    public func lease(maximum: Int, visibility: Duration, owner: String, folding: Bool = false) async throws -> [LeasedJob] {
        try await run(.lease(maximum: maximum, visibility: visibility, owner: owner, folding: folding))
    }

    /// Records that the job was delivered. `results` holds what the server said per recipient.
    ///
    /// Each report (`complete`, `retryLater`, `fail`) also records the attempt in the job's
    /// history (``inspect(_:)``), in the same transaction: its outcome, the error, this attempt's
    /// `results`, the `provider` that answered (for a failure, the error's) and the `duration`
    /// of the delivery as the sender measured it.
    @discardableResult
    public func complete(
        _ id: JobID,
        token: UInt64,
        results: [RecipientResult] = [],
        provider: String? = nil,
        duration: Duration? = nil
    ) async throws -> Job {
        try await run(.complete(id, token: token, results: results, provider: provider, duration: duration))
    }

    /// Records a temporary failure. The job is tried again after the retry policy's backoff,
    /// or after `delay` when given (zero: at once, for example on the next provider); it fails
    /// when out of attempts or too old, and is cancelled if a cancel is pending.
    @discardableResult
    public func retryLater(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        delay: Duration? = nil,
        providerIndex: Int? = nil,
        duration: Duration? = nil
    ) async throws -> Job {
        try await run(
            .retryLater(id, token: token, error: error, results: results, delay: delay, providerIndex: providerIndex, duration: duration))
    }

    /// Records a permanent failure: the job fails and is not tried again.
    @discardableResult
    public func fail(
        _ id: JobID,
        token: UInt64,
        error: DeliveryFailure,
        results: [RecipientResult] = [],
        duration: Duration? = nil
    ) async throws -> Job {
        try await run(.fail(id, token: token, error: error, results: results, duration: duration))
    }

    /// Gives a lease back unused, as a sender that stops before sending does: the job is ready
    /// again at once and the attempt does not count (a pending cancel is honoured instead).
    @discardableResult
    public func release(_ id: JobID, token: UInt64) async throws -> Job {
        try await run(.release(id, token: token))
    }

    /// Extends a lease to `extension` from now. Tells whether a cancel is pending.
    public func touch(_ id: JobID, token: UInt64, extendBy extension: Duration) async throws -> LeaseRenewal {
        try await run(.touch(id, token: token, extendBy: `extension`))
    }

    // MARK: Inspecting

    /// The job with this id.
    public func status(_ id: JobID) async throws -> Job {
        try await run(.status(id))
    }

    /// The job with this id and its delivery attempts: the last ``AttemptHistory/limit``, oldest
    /// first, each recorded with the report (or lease expiry) that ended it and deleted with the job.
    public func inspect(_ id: JobID) async throws -> InspectedJob {
        try await run(.inspect(id))
    }

    /// The job's payload, as it was queued.
    public func payload(of id: JobID) async throws -> [UInt8] {
        try await run(.payload(of: id))
    }

    /// Up to `limit` (1 to 1,000) jobs in `state` in id order, starting after the id `after`.
    public func list(state: JobState, after: JobID? = nil, limit: Int = 100) async throws -> [Job] {
        try await run(.list(state: state, after: after, limit: limit))
    }

    /// Counts per state, the age of the oldest ready job, the next due time and lease deadline.
    public func stats() async throws -> QueueStats {
        try await run(.stats())
    }

    // MARK: Maintenance

    /// Requeues failed or cancelled jobs with fresh attempts; returns the ids requeued.
    public func requeue(_ selection: RequeueSelection) async throws -> [JobID] {
        var requeued: [JobID] = []
        while true {
            let pass = try await run(.requeuePass(selection))
            requeued += pass
            guard case .allFailed = selection, !pass.isEmpty else { return requeued }
        }
    }

    /// Deletes sent, failed and cancelled jobs that finished at least `age` ago. Returns how many.
    @discardableResult
    public func purge(olderThan age: Duration) async throws -> Int {
        guard age >= .zero else {
            throw QueueError(.invalidArgument, "the purge age must not be negative")
        }
        var purged = 0
        while true {
            let pass = try await run(.purgePass(olderThan: age))
            purged += pass
            if pass < QueueStore.historyPassLimit { return purged }
        }
    }

    /// Deletes the payloads of jobs sent at least `age` ago, in passes of a few hundred; their
    /// records stay until the history is purged. Returns how many.
    @discardableResult
    public func purgeBodies(olderThan age: Duration) async throws -> Int {
        guard age >= .zero else {
            throw QueueError(.invalidArgument, "the purge age must not be negative")
        }
        var purged = 0
        while true {
            let pass = try await run(.bodyPurgePass(olderThan: age))
            purged += pass
            if pass < QueueStore.bodyPassLimit { return purged }
        }
    }

    /// Purges bodies past the body retention and history past the history retention. (Every
    /// operation first makes due jobs ready and ends expired leases; this does it too.) Call it
    /// periodically.
    @discardableResult
    public func maintain() async throws -> MaintenanceOutcome {
        try await run(.housekeeping())
        let bodies = try await purgeBodies(olderThan: configuration.bodyRetention)
        let jobs = try await purge(olderThan: configuration.historyRetention)
        return MaintenanceOutcome(jobs: jobs, bodies: bodies)
    }
}
