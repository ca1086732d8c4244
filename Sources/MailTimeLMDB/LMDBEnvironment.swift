import CLMDB
import Glibc

/// An LMDB environment in a data directory that this process holds exclusively.
///
/// The directory is created with mode 0700. An advisory lock (`flock`) on `mailtime.lock` inside it
/// keeps a second process from opening the same store; stale readers left by a crashed process are
/// cleared at open (`mdb_reader_check`). Transactions must stay on the thread that began them.
public final class LMDBEnvironment: @unchecked Sendable {
    /// The data directory.
    public let directory: String
    /// `nil` after ``reopen()`` failed to open the environment again.
    private var openPointer: OpaquePointer?
    private let lockDescriptor: Int32
    private let maxDatabases: Int
    private let flags: UInt32
    private var isClosed = false

    /// The current size of the memory map in bytes.
    public private(set) var mapSize: Int

    /// Opens (creating if needed) the environment in `directory`.
    ///
    /// - Parameters:
    ///   - directory: the data directory; created with mode 0700 when missing.
    ///   - mapSize: the initial size of the memory map; it grows when full (see ``grow()``).
    ///   - maxDatabases: how many named databases may be opened.
    ///   - syncsMetaOnCommit: when `false` (`MDB_NOMETASYNC`), a commit syncs its data pages but
    ///     not the meta page that makes it visible: the commit is durable once the next writing
    ///     commit or ``sync()`` returns. The store stays consistent either way.
    /// - Throws: ``LMDBError`` naming the directory when it cannot be created, written or locked.
    public init(
        directory: String,
        mapSize: Int = 256 << 20,
        maxDatabases: Int = 16,
        syncsMetaOnCommit: Bool = true
    ) throws(LMDBError) {
        self.directory = directory
        try Self.createDirectory(directory)
        guard access(directory, W_OK | X_OK) == 0 else {
            let code = errno
            throw LMDBError(code: code, message: "the data directory \(directory) is not writable: \(String(cString: strerror(code)))")
        }
        self.lockDescriptor = try Self.lockDirectory(directory)
        self.maxDatabases = maxDatabases
        // MDB_NOTLS: reader slots belong to transactions, not threads. MDB_NORDAHEAD: the store
        // reads small records at random; read-ahead would only fill the page cache. No MDB_WRITEMAP:
        // pages are written with pwrite, so a full disk is an error (ENOSPC) from the commit, where
        // stores through a writable map would end the process with SIGBUS.
        var flags = UInt32(MDB_NOTLS) | UInt32(MDB_NORDAHEAD)
        if !syncsMetaOnCommit { flags |= UInt32(MDB_NOMETASYNC) }
        self.flags = flags

        do throws(LMDBError) {
            let (pointer, mapSize) = try Self.openEnvironment(directory, mapSize: mapSize, maxDatabases: maxDatabases, flags: flags)
            self.openPointer = pointer
            self.mapSize = mapSize
        } catch {
            Glibc.close(lockDescriptor)
            throw error
        }
    }

    /// Creates and opens an environment; closes it again when any step fails.
    private static func openEnvironment(
        _ directory: String,
        mapSize: Int,
        maxDatabases: Int,
        flags: UInt32
    ) throws(LMDBError) -> (OpaquePointer, Int) {
        var environment: OpaquePointer?
        let created = mdb_env_create(&environment)
        guard created == MDB_SUCCESS, let environment else {
            throw LMDBError(code: created, operation: "mdb_env_create")
        }
        do throws(LMDBError) {
            try check(mdb_env_set_maxdbs(environment, MDB_dbi(maxDatabases)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_mapsize(environment, mapSize), "mdb_env_set_mapsize")
            try check(mdb_env_open(environment, directory, flags, 0o600), "cannot open the store in \(directory)")
            var deadReaders: Int32 = 0
            try check(mdb_reader_check(environment, &deadReaders), "mdb_reader_check")
            var info = MDB_envinfo()
            try check(mdb_env_info(environment, &info), "mdb_env_info")
            return (environment, info.me_mapsize)
        } catch {
            mdb_env_close(environment)
            throw error
        }
    }

    /// Closes the environment and opens it again, keeping the directory lock: the way back after
    /// LMDB refuses every transaction with `MDB_PANIC` (a commit failed while writing its meta page,
    /// for example on an I/O error). The store is then as the last commit that reached the disk
    /// left it. Database handles must be opened again. No transaction may be open. When opening
    /// fails, every use throws until a later `reopen()` succeeds.
    public func reopen() throws(LMDBError) {
        precondition(!isClosed, "reopening a closed environment")
        if let openPointer { mdb_env_close(openPointer) }
        openPointer = nil
        (openPointer, mapSize) = try Self.openEnvironment(directory, mapSize: mapSize, maxDatabases: maxDatabases, flags: flags)
    }

    /// The open environment, or an error after a failed ``reopen()``.
    private var pointer: OpaquePointer {
        get throws(LMDBError) {
            guard let openPointer else {
                throw LMDBError(code: MDB_PANIC, message: "the store in \(directory) could not be opened again after an error")
            }
            return openPointer
        }
    }

    deinit {
        close()
    }

    /// Closes the environment and releases the directory lock. No transaction may be open.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if let openPointer { mdb_env_close(openPointer) }
        openPointer = nil
        Glibc.close(lockDescriptor)
    }

    /// Opens (creating if needed) a named database. Call once at start and keep the handle.
    public func openDatabase(named name: String) throws(LMDBError) -> LMDBDatabase {
        let transaction = try LMDBTransaction(environment: pointer, readOnly: false)
        var handle: MDB_dbi = 0
        do throws(LMDBError) {
            try check(mdb_dbi_open(transaction.pointer, name, UInt32(MDB_CREATE), &handle), "cannot open database \(name)")
            try transaction.commit()
        } catch {
            transaction.abort()
            throw error
        }
        return LMDBDatabase(handle: handle, name: name)
    }

    /// Flushes everything committed to disk (`mdb_env_sync` with force).
    public func sync() throws(LMDBError) {
        try check(mdb_env_sync(pointer, 1), "mdb_env_sync")
    }

    /// The id of the last committed write transaction; it moves only when a commit wrote something.
    public func lastTransactionID() throws(LMDBError) -> Int {
        var info = MDB_envinfo()
        try check(mdb_env_info(pointer, &info), "mdb_env_info")
        return info.me_last_txnid
    }

    /// Doubles the memory map. Call only while no transaction is open, after `MDB_MAP_FULL`.
    public func grow() throws(LMDBError) {
        let newSize = mapSize * 2
        try check(mdb_env_set_mapsize(pointer, newSize), "mdb_env_set_mapsize")
        var info = MDB_envinfo()
        try check(mdb_env_info(pointer, &info), "mdb_env_info")
        mapSize = info.me_mapsize
    }

    /// Runs `body` in a read-only transaction.
    public func read<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        let transaction = try LMDBTransaction(environment: pointer, readOnly: true)
        defer { transaction.abort() }
        return try body(transaction)
    }

    /// Runs `body` in a write transaction and commits it (durably: LMDB syncs before `commit` returns).
    /// When `body` throws, the transaction is aborted and nothing is written.
    public func write<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        let transaction = try LMDBTransaction(environment: pointer, readOnly: false)
        let result: Result
        do {
            result = try body(transaction)
        } catch {
            transaction.abort()
            throw error
        }
        try transaction.commit()
        return result
    }

    private static func createDirectory(_ directory: String) throws(LMDBError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o700) != 0, errno != EEXIST {
                let code = errno
                throw LMDBError(code: code, message: "cannot create the data directory \(directory): \(String(cString: strerror(code)))")
            }
        }
        var status = stat()
        guard stat(directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw LMDBError(code: ENOTDIR, message: "the data directory \(directory) is not a directory")
        }
    }

    private static func lockDirectory(_ directory: String) throws(LMDBError) -> Int32 {
        let lockPath = directory + "/mailtime.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw LMDBError(code: code, message: "cannot open \(lockPath): \(String(cString: strerror(code)))")
        }
        // A process being spawned by this one briefly holds a copy of the descriptor until it execs
        // (the descriptor is close-on-exec): a lock held that way is released within moments, a
        // lock held by another broker is not.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK, attempts < 10 {
                attempts += 1
                usleep(50_000)
                continue
            }
            var holder = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &holder, holder.count - 1, 0)
            Glibc.close(descriptor)
            let pid = count > 0 ? String(decoding: holder[0..<count], as: UTF8.self).trimmingWhitespace() : "unknown"
            throw LMDBError(
                code: LMDBError.directoryLockedCode,
                message: "the data directory \(directory) is in use by another process (pid \(pid))"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        return descriptor
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
