import CLMDB

/// An error reported by LMDB or by opening a data directory.
///
/// `code` is LMDB's return code (or an `errno` value, which LMDB passes through),
/// `message` the text of `mdb_strerror` or a sentence saying what went wrong.
public struct LMDBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code: an `MDB_*` code or an `errno` value.
    public var code: Int32
    /// A human sentence, including `mdb_strerror`'s text where LMDB reported the error.
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The error for an LMDB return code, with `mdb_strerror`'s text and what was being done.
    public init(code: Int32, operation: String) {
        self.code = code
        self.message = "\(operation): \(String(cString: mdb_strerror(code)))"
    }

    public var description: String { "LMDBError(\(code)): \(message)" }

    /// The memory map is full; the environment must grow before the transaction is retried.
    public var isMapFull: Bool { code == MDB_MAP_FULL }

    /// LMDB refuses every transaction after a failed commit left the environment unusable;
    /// ``LMDBEnvironment/reopen()`` makes it usable again.
    public var isPanic: Bool { code == MDB_PANIC }

    /// The data directory is held by another process.
    public static let directoryLockedCode: Int32 = 0x4D54_0001
}

@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if code != MDB_SUCCESS {
        throw LMDBError(code: code, operation: operation())
    }
}
