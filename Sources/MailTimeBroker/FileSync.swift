import Glibc

/// Writes files so that they are complete and on disk when the call returns, or not there at all.
enum FileSync {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `bytes` to a temporary file beside `path`, syncs it, renames it to `path` and syncs
    /// the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard count > 0 else {
                close(descriptor)
                unlink(temporary)
                throw failure("cannot write \(temporary)")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            close(descriptor)
            unlink(temporary)
            throw failure("cannot sync \(temporary)")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
