import CLMDB

/// A cursor over one database, in key order. Entries are copied out.
public struct LMDBCursor {
    private let pointer: OpaquePointer
    private let database: LMDBDatabase

    init(transaction: OpaquePointer, database: LMDBDatabase) throws(LMDBError) {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(transaction, database.handle, &cursor), "mdb_cursor_open on \(database.name)")
        self.pointer = cursor!
        self.database = database
    }

    func close() {
        mdb_cursor_close(pointer)
    }

    /// The first entry, or `nil` when the database is empty.
    public mutating func first() throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_FIRST)
    }

    /// The last entry, or `nil` when the database is empty.
    public mutating func last() throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_LAST)
    }

    /// The entry after the current one, or `nil` at the end.
    public mutating func next() throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_NEXT)
    }

    /// The entry before the current one, or `nil` at the start.
    public mutating func previous() throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_PREV)
    }

    /// The first entry whose key is greater than or equal to `key`, or `nil`.
    public mutating func seek(atLeast key: [UInt8]) throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        var keyValue = MDB_val()
        var dataValue = MDB_val()
        let code = key.withUnsafeBytes { keyBytes in
            keyValue = mailtime_mdb_val(keyBytes.baseAddress, keyBytes.count)
            return mdb_cursor_get(pointer, &keyValue, &dataValue, MDB_SET_RANGE)
        }
        return try entry(code, keyValue, dataValue)
    }

    /// Deletes the entry under the cursor.
    public mutating func deleteCurrent() throws(LMDBError) {
        try check(mdb_cursor_del(pointer, 0), "mdb_cursor_del on \(database.name)")
    }

    private mutating func move(_ operation: MDB_cursor_op) throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        var keyValue = MDB_val()
        var dataValue = MDB_val()
        let code = mdb_cursor_get(pointer, &keyValue, &dataValue, operation)
        return try entry(code, keyValue, dataValue)
    }

    private func entry(_ code: Int32, _ key: MDB_val, _ value: MDB_val) throws(LMDBError) -> (key: [UInt8], value: [UInt8])? {
        if code == MDB_NOTFOUND { return nil }
        try check(code, "mdb_cursor_get on \(database.name)")
        return (
            Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)),
            Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        )
    }
}
