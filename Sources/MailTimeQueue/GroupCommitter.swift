import Foundation
import Logging
import MailTimeLMDB

/// Runs the queue's operations on one dedicated thread and commits the writes of many callers
/// together: one write transaction and one sync per round, each caller answered only after the
/// round is durable (group commit).
///
/// Reads run in a read-only transaction of their own and are answered at once. If a round hits
/// `MDB_MAP_FULL`, it is rolled back, the map grows, and the round runs again.
final class GroupCommitter: @unchecked Sendable {
    private let store: QueueStore
    private let logger: Logger
    private let publish: @Sendable ([QueueEvent]) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [any StoreRequest] = []
    private var isStopping = false
    private var isStopped = false

    init(store: QueueStore, logger: Logger, publish: @escaping @Sendable ([QueueEvent]) -> Void) {
        self.store = store
        self.logger = logger
        self.publish = publish
        let thread = Thread { [self] in run() }
        thread.name = "mailtime-store"
        thread.start()
    }

    /// Runs `body` on the store thread; a write returns once its transaction is durable.
    func perform<Result: Sendable>(
        writes: Bool,
        _ body: @escaping (QueueStore, LMDBTransaction, Timestamp) throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let request = TypedStoreRequest(writes: writes, body: body, continuation: continuation)
            condition.lock()
            guard !isStopping else {
                condition.unlock()
                continuation.resume(throwing: QueueError(.closed, "the queue is closed"))
                return
            }
            pending.append(request)
            if pending.count == 1 { condition.signal() }
            condition.unlock()
        }
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
        while let round = nextRound() {
            let reads = round.filter { !$0.writes }
            let writes = round.filter(\.writes)
            if !reads.isEmpty { runReads(reads) }
            if !writes.isEmpty { runWrites(writes) }
        }
        store.close()
        condition.lock()
        isStopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for requests and takes up to the configured batch; `nil` once stopping and drained.
    private func nextRound() -> [any StoreRequest]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty {
            if isStopping { return nil }
            condition.wait()
        }
        let limit = store.configuration.maximumCommitBatch
        if pending.count <= limit {
            defer { pending = [] }
            return pending
        }
        let round = Array(pending.prefix(limit))
        pending.removeFirst(limit)
        return round
    }

    private func runReads(_ requests: [any StoreRequest]) {
        let now = store.configuration.clock.now()
        do {
            try store.environment.read { transaction in
                for request in requests { try request.execute(store, transaction, now) }
            }
            for request in requests { request.finish(failure: nil) }
        } catch {
            fail(requests, error)
        }
    }

    private func runWrites(_ requests: [any StoreRequest]) {
        var attempt = 0
        while true {
            let now = store.configuration.clock.now()
            do {
                try store.environment.write { transaction in
                    try store.housekeep(now: now, transaction)
                    for request in requests {
                        try request.execute(store, transaction, now)
                    }
                    try store.persistCounters(transaction)
                }
                let events = store.transactionCommitted()
                for request in requests { request.finish(failure: nil) }
                if !events.isEmpty { publish(events) }
                return
            } catch let error as LMDBError where error.isMapFull && attempt < 8 {
                store.transactionAborted()
                attempt += 1
                do {
                    try store.environment.grow()
                    logger.info("store map grown", metadata: ["store.map_size": "\(store.environment.mapSize)"])
                } catch {
                    fail(requests, error)
                    return
                }
            } catch {
                store.transactionAborted()
                logger.error("store transaction failed", metadata: ["error": "\(error)"])
                fail(requests, error)
                return
            }
        }
    }

    private func fail(_ requests: [any StoreRequest], _ error: any Error) {
        let failure = QueueError(.storage, "the store failed: \(error)")
        for request in requests { request.finish(failure: failure) }
    }
}

/// An operation waiting for the store thread.
protocol StoreRequest: AnyObject {
    var writes: Bool { get }
    /// Runs the operation. A ``QueueError`` is kept as this request's answer; any other error
    /// (from LMDB) is rethrown to abort the round.
    func execute(_ store: QueueStore, _ transaction: LMDBTransaction, _ now: Timestamp) throws
    /// Answers the caller: with the kept outcome, or with `failure` when the round failed.
    func finish(failure: QueueError?)
}

final class TypedStoreRequest<Result: Sendable>: StoreRequest {
    let writes: Bool
    private let body: (QueueStore, LMDBTransaction, Timestamp) throws -> Result
    private let continuation: CheckedContinuation<Result, any Error>
    private var outcome: Swift.Result<Result, QueueError>?

    init(
        writes: Bool,
        body: @escaping (QueueStore, LMDBTransaction, Timestamp) throws -> Result,
        continuation: CheckedContinuation<Result, any Error>
    ) {
        self.writes = writes
        self.body = body
        self.continuation = continuation
    }

    func execute(_ store: QueueStore, _ transaction: LMDBTransaction, _ now: Timestamp) throws {
        do {
            outcome = .success(try body(store, transaction, now))
        } catch let error as QueueError {
            outcome = .failure(error)
        }
    }

    func finish(failure: QueueError?) {
        if let failure {
            continuation.resume(throwing: failure)
        } else {
            continuation.resume(with: outcome!.mapError { $0 as any Error })
        }
    }
}
