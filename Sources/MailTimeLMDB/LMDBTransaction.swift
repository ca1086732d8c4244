import CLMDB

/// A read or write transaction. It belongs to the thread that began it and must end on that thread
/// (commit or abort) before anything else touches the environment from elsewhere.
///
/// Values read are copied out: LMDB's pointers are valid only while the transaction lives.
public struct LMDBTransaction {
    let pointer: OpaquePointer

    init(environment: OpaquePointer, readOnly: Bool) throws(LMDBError) {
        var transaction: OpaquePointer?
        try check(
            mdb_txn_begin(environment, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &transaction),
            "mdb_txn_begin"
        )
        self.pointer = transaction!
    }

    func commit() throws(LMDBError) {
        try check(mdb_txn_commit(pointer), "mdb_txn_commit")
    }

    func abort() {
        mdb_txn_abort(pointer)
    }

    /// The value stored under `key`, copied, or `nil`.
    public func get(_ database: LMDBDatabase, _ key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try withValue(database, key) { Array($0) }
    }

    /// Calls `body` with the bytes stored under `key` (valid only inside `body`), or returns `nil`.
    public func withValue<Result>(
        _ database: LMDBDatabase,
        _ key: [UInt8],
        _ body: (UnsafeRawBufferPointer) throws(LMDBError) -> Result
    ) throws(LMDBError) -> Result? {
        var value = MDB_val()
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = mailtime_mdb_val(keyBytes.baseAddress, keyBytes.count)
            return mdb_get(pointer, database.handle, &keyValue, &value)
        }
        if code == MDB_NOTFOUND { return nil }
        try check(code, "mdb_get in \(database.name)")
        return try body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// Stores `value` under `key`, replacing any value there.
    public func put(_ database: LMDBDatabase, _ key: [UInt8], _ value: [UInt8]) throws(LMDBError) {
        try check(rawPut(database, key, value[...], flags: 0), "mdb_put in \(database.name)")
    }

    /// Stores `value` (part of a larger array, not copied) under `key`, which must sort after every
    /// key already in `database` (`MDB_APPEND`). A page filled this way is left full when the next
    /// key starts a new one, where an ordinary insert at the end would split it and leave its last
    /// entry on the new page. Returns `false`, storing nothing, when `key` does not sort last.
    public func append(_ database: LMDBDatabase, _ key: [UInt8], _ value: ArraySlice<UInt8>) throws(LMDBError) -> Bool {
        let code = rawPut(database, key, value, flags: UInt32(MDB_APPEND))
        if code == MDB_KEYEXIST { return false }
        try check(code, "mdb_put (append) in \(database.name)")
        return true
    }

    private func rawPut(_ database: LMDBDatabase, _ key: [UInt8], _ value: ArraySlice<UInt8>, flags: UInt32) -> Int32 {
        key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var keyValue = mailtime_mdb_val(keyBytes.baseAddress, keyBytes.count)
                var dataValue = mailtime_mdb_val(valueBytes.baseAddress, valueBytes.count)
                return mdb_put(pointer, database.handle, &keyValue, &dataValue, flags)
            }
        }
    }

    /// Deletes `key`. Returns whether it was there.
    @discardableResult
    public func delete(_ database: LMDBDatabase, _ key: [UInt8]) throws(LMDBError) -> Bool {
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = mailtime_mdb_val(keyBytes.baseAddress, keyBytes.count)
            return mdb_del(pointer, database.handle, &keyValue, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try check(code, "mdb_del in \(database.name)")
        return true
    }

    /// The number of entries in `database`.
    public func count(_ database: LMDBDatabase) throws(LMDBError) -> Int {
        var statistics = MDB_stat()
        try check(mdb_stat(pointer, database.handle, &statistics), "mdb_stat")
        return statistics.ms_entries
    }

    /// Runs `body` with a cursor over `database`; the cursor is closed when `body` returns.
    public func withCursor<Result>(
        _ database: LMDBDatabase,
        _ body: (inout LMDBCursor) throws -> Result
    ) throws -> Result {
        var cursor = try LMDBCursor(transaction: pointer, database: database)
        defer { cursor.close() }
        return try body(&cursor)
    }
}
