import MailTimeLMDB
import MailTimeModel

/// The queue's storage and state transitions, synchronous, on LMDB.
///
/// Every method runs inside a transaction handed in by ``GroupCommitter`` on its own thread; none
/// is ever called from two threads at once. A method that throws ``QueueError`` does so before it
/// writes anything, so a refused operation leaves the transaction as it found it and the others
/// in the same group commit go on. An ``LMDBError`` aborts the whole transaction.
///
/// Databases (keys are big-endian so byte order is the wanted order):
/// - `jobs`: id → ``JobRecord``; `payloads`: id → the payload, or id · chunk number → a chunk of it,
///   written once (see ``putPayload(_:of:_:)``).
/// - `ready`: priority · not-before · id; `scheduled`: not-before · id; `leases`: deadline · id;
///   `finished`: finished-at · id; `states`: state · id (for listing by state).
/// - `idempotency`: key → id · created-at; `meta`: the per-state counts and the last fencing token.
/// - `bodies`: finished-at · id of the sent jobs whose payload is still kept (until the body retention).
/// - `attempts`: id · sequence number → one delivery attempt (see `QueueStore+Attempts.swift`).
/// - `attributes`: id → ``JobAttributes``; `search`: kind · value · 0 · id, the search indexes
///   (see ``QueueIndex`` and `QueueStore+Search.swift`).
@usableFromInline
final class QueueStore {
    let environment: MailTimeLMDB.LMDBEnvironment
    let configuration: MailQueue.Configuration

    let jobs: LMDBDatabase
    let payloads: LMDBDatabase
    let ready: LMDBDatabase
    let scheduled: LMDBDatabase
    let leases: LMDBDatabase
    let finished: LMDBDatabase
    let states: LMDBDatabase
    let idempotency: LMDBDatabase
    let meta: LMDBDatabase
    /// Fold key, then id: the waiting (scheduled or ready) jobs that have a fold key.
    let folds: LMDBDatabase
    /// Finished-at, then id: the sent jobs whose payload is kept until the body retention.
    let bodies: LMDBDatabase
    /// Id, then sequence number: each job's last delivery attempts.
    let attempts: LMDBDatabase
    /// Id → the job's ``JobAttributes``, for jobs that have any.
    let attributes: LMDBDatabase
    /// Kind · value · 0 · id: the search indexes (see ``QueueIndex``).
    let search: LMDBDatabase

    /// Per-state job counts and the last fencing token: kept in memory, written once per transaction.
    struct Counters: Equatable {
        var perState = [Int](repeating: 0, count: JobState.allCases.count + 1)
        var lastToken: UInt64 = 0
    }

    private(set) var counters = Counters()
    private var persistedCounters = Counters()
    /// Events of the transaction under way, published once it is durable.
    private(set) var pendingEvents: [QueueEvent] = []
    var idGenerator = JobIDGenerator()
    var random = SystemRandomNumberGenerator()

    /// How many index entries one housekeeping pass moves, so no transaction grows without bound.
    static let housekeepingLimit = 10_000

    private static let countersKey = Array("counters".utf8)

    init(configuration: MailQueue.Configuration) throws {
        self.configuration = configuration
        environment = try LMDBEnvironment(
            directory: configuration.directory,
            mapSize: configuration.initialMapSize,
            syncsMetaOnCommit: false
        )
        jobs = try environment.openDatabase(named: "jobs")
        payloads = try environment.openDatabase(named: "payloads")
        ready = try environment.openDatabase(named: "ready")
        scheduled = try environment.openDatabase(named: "scheduled")
        leases = try environment.openDatabase(named: "leases")
        finished = try environment.openDatabase(named: "finished")
        states = try environment.openDatabase(named: "states")
        idempotency = try environment.openDatabase(named: "idempotency")
        meta = try environment.openDatabase(named: "meta")
        folds = try environment.openDatabase(named: "folds")
        bodies = try environment.openDatabase(named: "bodies")
        attempts = try environment.openDatabase(named: "attempts")
        attributes = try environment.openDatabase(named: "attributes")
        search = try environment.openDatabase(named: "search")
        counters = try environment.read { transaction in try Self.loadCounters(meta: meta, transaction) }
        persistedCounters = counters
        try buildSearchIndexIfNeeded()
    }

    /// Opens the environment again after LMDB refused it with `MDB_PANIC` (see
    /// ``LMDBEnvironment/reopen()``), and reloads the counters of the last durable commit.
    func reopen() throws {
        try environment.reopen()
        for database in [jobs, payloads, ready, scheduled, leases, finished, states, idempotency, meta, folds, bodies, attempts, attributes, search] {
            // LMDB numbers the handles in the order they are opened, so they come back the same.
            guard try environment.openDatabase(named: database.name) == database else {
                throw QueueError(.storage, "database \(database.name) came back with another handle after reopening the store")
            }
        }
        counters = try environment.read { transaction in try Self.loadCounters(meta: meta, transaction) }
        persistedCounters = counters
        pendingEvents = []
    }

    func close() {
        environment.close()
    }

    // MARK: Transactions

    /// Writes the counters if they changed, at the end of a write transaction.
    func persistCounters(_ transaction: LMDBTransaction) throws(LMDBError) {
        guard counters != persistedCounters else { return }
        var writer = BinaryWriter(capacity: 64)
        writer.write(counters.lastToken)
        for count in counters.perState { writer.write(UInt64(count)) }
        try transaction.put(meta, Self.countersKey, writer.bytes)
    }

    /// The transaction committed: what it wrote is now the persisted state; returns its events.
    func transactionCommitted() -> [QueueEvent] {
        persistedCounters = counters
        defer { pendingEvents = [] }
        return pendingEvents
    }

    /// The transaction was aborted: forget what it changed in memory.
    func transactionAborted() {
        counters = persistedCounters
        pendingEvents = []
    }

    private static func loadCounters(meta: LMDBDatabase, _ transaction: LMDBTransaction) throws -> Counters {
        var counters = Counters()
        let loaded = try transaction.withValue(meta, countersKey) { bytes throws(LMDBError) -> Counters? in
            var reader = BinaryReader(bytes)
            var loaded = Counters()
            do {
                loaded.lastToken = try reader.readUInt64()
                for index in loaded.perState.indices { loaded.perState[index] = Int(try reader.readUInt64()) }
            } catch {
                return nil
            }
            return loaded
        }
        if let loaded = loaded ?? nil { counters = loaded }
        return counters
    }

    // MARK: Records and indexes

    func loadJob(_ id: JobID, _ transaction: LMDBTransaction) throws -> Job? {
        try transaction.withValue(jobs, id.bytes) { bytes throws(LMDBError) -> Result<Job, QueueError> in
            do throws(QueueError) { return .success(try JobRecord.decode(bytes)) } catch { return .failure(error) }
        }?.get()
    }

    func existingJob(_ id: JobID, _ transaction: LMDBTransaction) throws -> Job {
        guard let job = try loadJob(id, transaction) else {
            throw QueueError(.notFound, "no job has the id \(id)")
        }
        return job
    }

    /// Stores `job` as a new record: payload, record, indexes, counts.
    func insert(_ job: Job, payload: [UInt8], attributes: JobAttributes, _ transaction: LMDBTransaction) throws {
        try putPayload(payload, of: job.id, transaction)
        try putNew(jobs, job.id.bytes, JobRecord.encode(job), transaction)
        try addIndexes(of: job, transaction)
        try addSearchEntries(of: job, attributes: attributes, transaction)
        counters.perState[Int(job.state.rawValue)] += 1
    }

    /// Replaces `old` by `new` (the same job after a transition), moving its index entries.
    func update(_ old: Job, to new: Job, _ transaction: LMDBTransaction) throws {
        try removeIndexes(of: old, transaction)
        if configuration.historyRetention <= .zero, new.state.isFinal {
            try transaction.delete(jobs, new.id.bytes)
            try deletePayload(of: new.id, transaction)
            try removeIdempotencyKey(of: new, transaction)
            try deleteAttempts(of: new.id, transaction)
            try removeSearchEntries(of: old, transaction)
        } else {
            try transaction.put(jobs, new.id.bytes, JobRecord.encode(new))
            try addIndexes(of: new, transaction)
            try updateSearchEntries(from: old, to: new, transaction)
            counters.perState[Int(new.state.rawValue)] += 1
            if new.state == .sent, old.state != .sent { try keepBody(of: new, transaction) }
        }
        counters.perState[Int(old.state.rawValue)] -= 1
    }

    /// Deletes a final job and everything that points to it.
    func remove(_ job: Job, _ transaction: LMDBTransaction) throws {
        try removeIndexes(of: job, transaction)
        if job.state == .sent { try transaction.delete(bodies, Self.timeKey(job.finishedAt!, job.id)) }
        try transaction.delete(jobs, job.id.bytes)
        try deletePayload(of: job.id, transaction)
        try removeIdempotencyKey(of: job, transaction)
        try deleteAttempts(of: job.id, transaction)
        try removeSearchEntries(of: job, transaction)
        counters.perState[Int(job.state.rawValue)] -= 1
    }

    func record(_ kind: QueueEvent.Kind, _ job: Job) {
        pendingEvents.append(QueueEvent(kind: kind, job: job))
    }

    func nextToken() -> UInt64 {
        counters.lastToken += 1
        return counters.lastToken
    }

    private func removeIdempotencyKey(of job: Job, _ transaction: LMDBTransaction) throws {
        guard let key = job.idempotencyKey else { return }
        let entry = try transaction.get(idempotency, Array(key.utf8))
        if let entry, entry.prefix(16).elementsEqual(job.id.bytes) {
            try transaction.delete(idempotency, Array(key.utf8))
        }
    }

    private func addIndexes(of job: Job, _ transaction: LMDBTransaction) throws {
        let empty: [UInt8] = []
        try transaction.put(states, Self.stateKey(job.state, job.id), empty)
        switch job.state {
        case .ready: try putNew(ready, Self.readyKey(job), empty, transaction)
        case .scheduled: try putNew(scheduled, Self.timeKey(job.notBefore, job.id), empty, transaction)
        case .leased: try putNew(leases, Self.timeKey(job.lease!.deadline, job.id), empty, transaction)
        case .sent, .failed, .cancelled: try putNew(finished, Self.timeKey(job.finishedAt!, job.id), empty, transaction)
        }
        if let key = Self.foldKey(job) { try transaction.put(folds, key, empty) }
    }

    private func removeIndexes(of job: Job, _ transaction: LMDBTransaction) throws {
        try transaction.delete(states, Self.stateKey(job.state, job.id))
        switch job.state {
        case .ready: try transaction.delete(ready, Self.readyKey(job))
        case .scheduled: try transaction.delete(scheduled, Self.timeKey(job.notBefore, job.id))
        case .leased: try transaction.delete(leases, Self.timeKey(job.lease!.deadline, job.id))
        case .sent, .failed, .cancelled: try transaction.delete(finished, Self.timeKey(job.finishedAt!, job.id))
        }
        if let key = Self.foldKey(job) { try transaction.delete(folds, key) }
    }

    /// Stores a new entry whose key usually sorts last (ids and times grow): appended, so that the
    /// pages it leaves behind stay full, where an insert at the end would split each page in half.
    /// A key that does not sort last is put in place.
    func putNew(_ database: LMDBDatabase, _ key: [UInt8], _ value: [UInt8], _ transaction: LMDBTransaction) throws(LMDBError) {
        if try !transaction.append(database, key, value[...]) {
            try transaction.put(database, key, value)
        }
    }

    /// The job's entry in `folds`: present while it waits (scheduled or ready) and has a fold key.
    static func foldKey(_ job: Job) -> [UInt8]? {
        guard let key = job.foldKey, job.state == .scheduled || job.state == .ready else { return nil }
        return foldPrefix(key) + job.id.bytes
    }

    static func foldPrefix(_ key: String) -> [UInt8] {
        Array(key.utf8) + [0]
    }

    static func readyKey(_ job: Job) -> [UInt8] {
        var writer = BinaryWriter(capacity: 25)
        writer.write(job.priority)
        writer.write(sortable: job.notBefore)
        writer.write(job.id.bytes)
        return writer.bytes
    }

    static func timeKey(_ time: Timestamp, _ id: JobID) -> [UInt8] {
        var writer = BinaryWriter(capacity: 24)
        writer.write(sortable: time)
        writer.write(id.bytes)
        return writer.bytes
    }

    static func stateKey(_ state: JobState, _ id: JobID) -> [UInt8] {
        [state.rawValue] + id.bytes
    }

    /// The time and id at the front of a `timeKey`.
    static func parseTimeKey(_ key: [UInt8]) -> (Timestamp, JobID) {
        var time: UInt64 = 0
        for byte in key[0..<8] { time = time << 8 | UInt64(byte) }
        return (Timestamp(millisecondsSince1970: Int64(bitPattern: time ^ (1 << 63))), JobID(bytes: Array(key[8..<24]))!)
    }

    /// The retry policy that applies to `job`.
    func retryPolicy(for job: Job) -> RetryPolicy {
        job.retryPolicy ?? configuration.retryPolicy
    }
}
