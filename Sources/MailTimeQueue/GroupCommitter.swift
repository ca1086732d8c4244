import Foundation
import Logging
import MailTimeLMDB

/// Runs the queue's operations on one dedicated thread and commits the operations of many callers
/// together (group commit), answering each caller only once what it did, and everything it saw,
/// is on disk.
///
/// A round takes every pending request and runs them in one write transaction. The environment
/// defers the meta-page sync (`MDB_NOMETASYNC`): a commit syncs its own data pages, which also
/// makes the previous commit's meta page durable. So the callers of round *N* are answered when
/// round *N + 1* has committed, or, when nothing else is pending, after an explicit sync. Under
/// load that costs one disk flush per round instead of two.
///
/// When a commit has answered several callers, the next round waits up to ``gatheringDelay`` for
/// all of them to come back (as PostgreSQL's `commit_delay` and MySQL's
/// `binlog_group_commit_sync_delay` do), so that their requests share a round instead of trickling
/// in one by one. Callers that are quick to return end the wait at once. Under heavy load they are
/// slow (the processor is busy, and senders' reports are not awaited at all), and the wait spaces
/// the commits out: fewer, larger syncs, which saves the processor time each sync costs.
///
/// If a round hits `MDB_MAP_FULL`, it is rolled back, the map grows, and the round runs again.
///
/// A round that cannot be committed (the disk is full, read-only or failing) is rolled back as a
/// whole: every request in it that writes fails with `STORAGE`, none is answered as done, and
/// the requests that only read are answered from a read-only transaction. Nothing changes state
/// for good: the next round tries to write again, so the queue works again as soon as the disk
/// does. Should LMDB refuse the environment afterwards (`MDB_PANIC`), it is opened again.
@usableFromInline
final class GroupCommitter: @unchecked Sendable {
    private let store: QueueStore
    private let logger: Logger
    private let publish: @Sendable ([QueueEvent]) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [StoreRequest] = []
    private var isStopping = false
    private var isStopped = false
    /// While a round waits for callers: the pending count that ends the wait.
    private var gatheringTarget = Int.max

    /// Rounds committed but not yet known to be durable, with the events they produced.
    /// Touched only by the store thread.
    private var undurable: [StoreRequest] = []
    private var undurableEvents: [QueueEvent] = []
    /// How many callers the last answer released: most of them come back with their next request,
    /// and a round that waits for them commits them together.
    private var recentlyAnswered = 0
    /// Whether the last round failed to commit: only the first failure of a run is logged as an error.
    private var isFailing = false

    /// The longest a round waits for released callers to come back.
    static let gatheringDelay: TimeInterval = 0.002

    init(store: QueueStore, logger: Logger, publish: @escaping @Sendable ([QueueEvent]) -> Void) {
        self.store = store
        self.logger = logger
        self.publish = publish
        let thread = Thread { [self] in run() }
        thread.name = "mailtime-store"
        thread.start()
    }

    /// Queues `request` for the store thread; it is finished (on that thread) once its effects are
    /// durable. Requests submitted from one thread run in the order submitted.
    @usableFromInline
    func submit(_ request: StoreRequest) {
        condition.lock()
        guard !isStopping else {
            condition.unlock()
            request.finish(QueueError(.closed, "the queue is closed"))
            return
        }
        pending.append(request)
        if pending.count == 1 || pending.count == gatheringTarget { condition.signal() }
        condition.unlock()
    }

    /// Answers what is pending, stops the thread and closes the store. Waits until it is done.
    func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        while !isStopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while let round = nextRound(wait: undurable.isEmpty) {
            if round.isEmpty {
                syncAndAnswer()
            } else {
                runRound(round)
            }
        }
        syncAndAnswer()
        store.close()
        condition.lock()
        isStopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Takes up to the configured number of pending requests. With `wait`, blocks until there is
    /// one; without, returns what there is, possibly nothing. `nil` once stopping and drained.
    private func nextRound(wait: Bool) -> [StoreRequest]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty {
            if isStopping { return nil }
            if !wait { return [] }
            condition.wait()
        }
        if recentlyAnswered > 1 {
            // Group commit: wait for the callers just answered, woken when the last one is back.
            gatheringTarget = min(recentlyAnswered, store.configuration.maximumCommitBatch)
            let deadline = Date(timeIntervalSinceNow: Self.gatheringDelay)
            while pending.count < gatheringTarget, !isStopping, condition.wait(until: deadline) {}
            gatheringTarget = .max
        }
        recentlyAnswered = 0
        let limit = store.configuration.maximumCommitBatch
        if pending.count <= limit {
            defer { pending = [] }
            return pending
        }
        let round = Array(pending.prefix(limit))
        pending.removeFirst(limit)
        return round
    }

    private func runRound(_ requests: [StoreRequest]) {
        var attempt = 0
        while true {
            let now = store.configuration.clock.now()
            do {
                let before = try store.environment.lastTransactionID()
                try store.environment.write { transaction in
                    try store.housekeep(now: now, transaction)
                    for request in requests {
                        try request.execute(store, transaction, now)
                    }
                    try store.persistCounters(transaction)
                }
                let events = store.transactionCommitted()
                if isFailing {
                    isFailing = false
                    logger.notice("store writes again")
                }
                if try store.environment.lastTransactionID() != before {
                    // This commit synced its data pages, and with them the previous commit's meta page.
                    answer(undurable, events: undurableEvents)
                    undurable = requests
                    undurableEvents = events
                } else if undurable.isEmpty {
                    // Nothing was written and nothing waits for a sync: what they saw is durable.
                    answer(requests, events: events)
                } else {
                    // Nothing was written: these requests saw what still waits for a sync.
                    undurable += requests
                    undurableEvents += events
                }
                return
            } catch let error as LMDBError where error.isMapFull && attempt < 8 {
                store.transactionAborted()
                attempt += 1
                do {
                    try store.environment.grow()
                    logger.info("store map grown", metadata: ["store.map_size": "\(store.environment.mapSize)"])
                } catch {
                    failRound(requests, error)
                    return
                }
            } catch {
                store.transactionAborted()
                failRound(requests, error)
                return
            }
        }
    }

    /// Flushes what is committed and answers the requests that waited for it.
    private func syncAndAnswer() {
        guard !undurable.isEmpty else { return }
        do {
            try store.environment.sync()
            answer(undurable, events: undurableEvents)
        } catch {
            logger.error("store sync failed", metadata: ["error": "\(error)"])
            let failure = QueueError(storageFailure: error, directory: store.configuration.directory, outcome: "it may not have been stored")
            for request in undurable { request.finish(failure) }
        }
        undurable = []
        undurableEvents = []
    }

    /// A round could not be committed and was rolled back: its writing requests fail, its reading
    /// ones are answered from a read-only transaction.
    private func failRound(_ requests: [StoreRequest], _ error: any Error) {
        logger.log(
            level: isFailing ? .debug : .error,
            "store transaction failed",
            metadata: ["error": "\(error)", "store.directory": "\(store.configuration.directory)"]
        )
        isFailing = true
        reopenIfRefused()
        // What committed before this round waits for a sync that this round's commit would have made.
        syncAndAnswer()
        let failure = QueueError(storageFailure: error, directory: store.configuration.directory, outcome: "nothing was stored")
        var reads: [StoreRequest] = []
        for request in requests {
            if request.isReadOnly { reads.append(request) } else { request.finish(failure) }
        }
        guard !reads.isEmpty else { return }
        let now = store.configuration.clock.now()
        do {
            try store.environment.read { transaction in
                for request in reads { try request.execute(store, transaction, now) }
            }
            answer(reads, events: [])
        } catch {
            let failure = QueueError(storageFailure: error, directory: store.configuration.directory, outcome: "the store could not be read")
            for request in reads { request.finish(failure) }
        }
    }

    /// After a failed commit LMDB may refuse every further transaction (`MDB_PANIC`, when the
    /// commit failed while writing its meta page); the environment is then opened again.
    private func reopenIfRefused() {
        do {
            try store.environment.read { _ in }
        } catch let error as LMDBError where error.isPanic {
            do {
                try store.reopen()
                logger.notice("store reopened after an unrecoverable write error")
            } catch {
                logger.error("store could not be reopened", metadata: ["error": "\(error)"])
            }
        } catch {
            logger.error("store cannot be read", metadata: ["error": "\(error)"])
        }
    }

    private func answer(_ requests: [StoreRequest], events: [QueueEvent]) {
        recentlyAnswered = requests.count
        for request in requests { request.finish(nil) }
        if !events.isEmpty { publish(events) }
    }
}

/// An operation waiting for the store thread, as two closures made where it was submitted (see
/// ``MailQueue/submit(_:completion:)``).
@usableFromInline
final class StoreRequest {
    /// Whether the operation only reads (see ``QueueOperation/isReadOnly``).
    let isReadOnly: Bool
    /// Runs the operation and keeps its outcome. A ``QueueError`` is kept as the answer; any other
    /// error (from LMDB) is rethrown to abort the round.
    let execute: (QueueStore, LMDBTransaction, Timestamp) throws -> Void
    /// Answers the caller: with the kept outcome, or with the failure when the round failed.
    let finish: (QueueError?) -> Void

    @usableFromInline
    init(
        isReadOnly: Bool,
        execute: @escaping (QueueStore, LMDBTransaction, Timestamp) throws -> Void,
        finish: @escaping (QueueError?) -> Void
    ) {
        self.isReadOnly = isReadOnly
        self.execute = execute
        self.finish = finish
    }
}
