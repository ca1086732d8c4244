import Glibc
import MailTimeLMDB

extension QueueError {
    /// `STORAGE` for a store that could not be written or read, with a sentence that names the cause
    /// an operator can act on (a full disk, a read-only filesystem) and then `outcome` (what
    /// became of the operation). A ``QueueError`` is kept as it is.
    init(storageFailure error: any Error, directory: String, outcome: String) {
        if let error = error as? QueueError {
            self = error
            return
        }
        guard let error = error as? LMDBError else {
            self.init(.storage, "the store failed (\(error)): \(outcome)")
            return
        }
        var status = statvfs()
        let measured = statvfs(directory, &status) == 0
        let isReadOnly = measured && status.f_flag & UInt(ST_RDONLY) != 0
        // LMDB reports a write that stopped short (as one that ran out of space midway does) as EIO.
        let isFull = measured && UInt64(status.f_bavail) * UInt64(status.f_bsize) < 64 << 10
        let cause: String
        if error.code == EROFS || isReadOnly {
            cause = "the broker's data directory is on a read-only filesystem"
        } else if error.code == ENOSPC || error.code == EDQUOT || ((error.code == EIO || error.code == EFBIG) && isFull) {
            cause = "the broker's disk is full"
        } else if error.code == EACCES || error.code == EPERM {
            cause = "the broker's data directory is not writable"
        } else if error.code == EIO {
            cause = "the broker's disk reported an I/O error"
        } else if error.isMapFull {
            cause = "the store reached the largest size its memory map can grow to"
        } else {
            cause = "the store failed (\(error.message))"
        }
        self.init(.storage, "\(cause): \(outcome)")
    }
}
