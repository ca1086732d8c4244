import CLMDB

/// A named database inside an environment, opened once at start and valid for the environment's life.
public struct LMDBDatabase: Hashable, Sendable {
    let handle: MDB_dbi
    /// The name it was opened with.
    public let name: String
}
