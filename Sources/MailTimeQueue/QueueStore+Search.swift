import MailTimeLMDB
import MailTimeModel

extension QueueStore {
    /// The largest page a search returns.
    static let maximumSearchLimit = 1000

    // MARK: Index upkeep (in the transaction that changes the job)

    /// Indexes a new job: its attributes record and every entry of its terms.
    func addSearchEntries(of job: Job, attributes: JobAttributes, _ transaction: LMDBTransaction) throws {
        if !attributes.isEmpty { try putNew(self.attributes, job.id.bytes, attributes.encoded(), transaction) }
        for term in QueueIndex.fixedTerms(attributes).union(QueueIndex.changingTerms(job)) {
            if let key = QueueIndex.key(term, job.id) { try transaction.put(search, key, []) }
        }
    }

    /// Moves the entries whose values changed from `old` to `new` (the provider and code of the last failure).
    func updateSearchEntries(from old: Job, to new: Job, _ transaction: LMDBTransaction) throws {
        guard old.lastError?.code != new.lastError?.code || old.lastError?.provider != new.lastError?.provider else { return }
        let before = QueueIndex.changingTerms(old)
        let after = QueueIndex.changingTerms(new)
        for term in before.subtracting(after) {
            if let key = QueueIndex.key(term, old.id) { try transaction.delete(search, key) }
        }
        for term in after.subtracting(before) {
            if let key = QueueIndex.key(term, new.id) { try transaction.put(search, key, []) }
        }
    }

    /// Deletes a job's entries and attributes record, as the job is deleted.
    func removeSearchEntries(of job: Job, _ transaction: LMDBTransaction) throws {
        let attributes = try storedAttributes(of: job.id, transaction) ?? JobAttributes()
        for term in QueueIndex.fixedTerms(attributes).union(QueueIndex.changingTerms(job)) {
            if let key = QueueIndex.key(term, job.id) { try transaction.delete(search, key) }
        }
        if !attributes.isEmpty { try transaction.delete(self.attributes, job.id.bytes) }
    }

    /// The attributes the job was queued with, if it had any.
    func storedAttributes(of id: JobID, _ transaction: LMDBTransaction) throws -> JobAttributes? {
        try transaction.withValue(attributes, id.bytes) { bytes throws(LMDBError) -> Result<JobAttributes, QueueError> in
            do throws(QueueError) { return .success(try JobAttributes.decode(bytes)) } catch { return .failure(error) }
        }?.get()
    }

    // MARK: Searching

    /// Up to `limit` jobs that match `filter`, in id order, after the id `after` (exclusive).
    ///
    /// Each condition is an id-ordered range: the state's in `states`, each indexed value's in
    /// `search`, the creation time's a range of ids. The ranges are intersected by leapfrogging:
    /// each cursor in turn seeks the highest id any cursor has reached, so a range's entries that
    /// cannot match are skipped by seeks, not read.
    func search(_ filter: JobFilter, after: JobID?, limit: Int, _ transaction: LMDBTransaction) throws -> [Job] {
        guard (1...Self.maximumSearchLimit).contains(limit) else {
            throw QueueError(.invalidArgument, "a list takes a limit of 1 to \(Self.maximumSearchLimit), not \(limit)")
        }
        var ranges: [(database: LMDBDatabase, prefix: [UInt8])] = []
        if let state = filter.state { ranges.append((states, [state.rawValue])) }
        for term in filter.indexTerms {
            // A value that is never indexed matches no job.
            guard let prefix = term.prefix else { return [] }
            ranges.append((search, prefix))
        }
        if ranges.isEmpty { ranges.append((jobs, [])) }

        var candidate = Self.idBound(filter.createdFrom)
        if let after {
            // Nothing comes after the largest id.
            guard let next = Self.successor(of: after.bytes) else { return [] }
            if candidate.lexicographicallyPrecedes(next) { candidate = next }
        }
        let end = filter.createdBefore.map { Self.idBound($0) }

        let ids = try withCursors(ranges.map(\.database), transaction) { cursors in
            var ids: [JobID] = []
            var agreeing = 0
            var index = 0
            while ids.count < limit {
                let prefix = ranges[index].prefix
                guard let (key, _) = try cursors[index].seek(atLeast: prefix + candidate), key.starts(with: prefix),
                    key.count == prefix.count + 16
                else { break }
                let id = Array(key[prefix.count...])
                if let end, !id.lexicographicallyPrecedes(end) { break }
                if id == candidate {
                    agreeing += 1
                } else {
                    candidate = id
                    agreeing = 1
                }
                if agreeing == ranges.count {
                    ids.append(JobID(bytes: id)!)
                    guard let next = Self.successor(of: id) else { break }
                    candidate = next
                    agreeing = 0
                }
                index = (index + 1) % ranges.count
            }
            return ids
        }
        return try ids.map { id in try existingJob(id, transaction) }
    }

    /// Runs `body` with one open cursor per database.
    private func withCursors<Result>(
        _ databases: [LMDBDatabase],
        _ transaction: LMDBTransaction,
        opened: [LMDBCursor] = [],
        _ body: (inout [LMDBCursor]) throws -> Result
    ) throws -> Result {
        guard opened.count < databases.count else {
            var cursors = opened
            return try body(&cursors)
        }
        return try transaction.withCursor(databases[opened.count]) { cursor in
            try withCursors(databases, transaction, opened: opened + [cursor], body)
        }
    }

    /// The smallest id created at `time` or later (ids begin with their 48-bit millisecond time).
    static func idBound(_ time: Timestamp?) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard let time else { return bytes }
        let milliseconds = UInt64(clamping: max(0, min(time.millisecondsSince1970, (1 << 48) - 1)))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        return bytes
    }

    /// The next 16-byte id after `id`, or `nil` after the last one.
    static func successor(of id: [UInt8]) -> [UInt8]? {
        var next = id
        for index in next.indices.reversed() {
            if next[index] < .max {
                next[index] += 1
                return next
            }
            next[index] = 0
        }
        return nil
    }

    // MARK: Building the indexes of an older store

    private static let searchIndexKey = Array("search-index".utf8)
    /// How many jobs one transaction of the index build handles.
    static let indexBuildBatch = 10_000

    /// Indexes every job of a store written before the search indexes existed, in transactions of
    /// ``indexBuildBatch`` jobs, then marks the store as indexed. A new store is only marked. The
    /// attributes of an old job are read from its payload with ``MailQueue/Configuration/attributeReader``
    /// (a job whose payload was already deleted keeps only its state, time, provider and error entries).
    func buildSearchIndexIfNeeded() throws {
        guard try environment.read({ transaction in try transaction.get(meta, Self.searchIndexKey) }) == nil else { return }
        var after: JobID?
        repeat {
            do {
                after = try indexBatch(after: after)
            } catch let error as LMDBError where error.isMapFull {
                try environment.grow()
            }
        } while after != nil
    }

    /// Indexes the jobs after `after`, up to ``indexBuildBatch``, in one transaction; returns the
    /// last one, or `nil` (and marks the store as indexed) when there are no more.
    private func indexBatch(after: JobID?) throws -> JobID? {
        try environment.write { transaction in
            let ids = try transaction.withCursor(jobs) { cursor in
                var ids: [JobID] = []
                var entry = try after.flatMap { Self.successor(of: $0.bytes) }.map { try cursor.seek(atLeast: $0) } ?? cursor.first()
                while let (key, _) = entry, ids.count < Self.indexBuildBatch {
                    if let id = JobID(bytes: key) { ids.append(id) }
                    entry = try cursor.next()
                }
                return ids
            }
            for id in ids {
                let job = try existingJob(id, transaction)
                var attributes = JobAttributes()
                if let reader = configuration.attributeReader, let payload = try getPayload(of: id, transaction) {
                    attributes = reader(payload) ?? JobAttributes()
                }
                try addSearchEntries(of: job, attributes: attributes, transaction)
            }
            if ids.count < Self.indexBuildBatch { try transaction.put(meta, Self.searchIndexKey, [1]) }
            return ids.count < Self.indexBuildBatch ? nil : ids.last
        }
    }
}
