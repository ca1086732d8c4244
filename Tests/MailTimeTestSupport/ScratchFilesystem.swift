import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, to fill up and grow again. Mounting needs root
/// (CI runs the tests as root); ``unmount()`` detaches it even while files in it are still open.
public final class ScratchFilesystem: Sendable {
    /// Where it is mounted: a fresh temporary directory.
    public let path: String

    /// Whether this process may mount filesystems (it runs as root).
    public static var isRoot: Bool { getuid() == 0 }

    private init(path: String) {
        self.path = path
    }

    /// Mounts a tmpfs of `size` (`mount -o size=…`: "4m", "512k") on a fresh temporary directory.
    public static func mount(size: String) throws -> ScratchFilesystem {
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-scratch-fs").path
        guard Glibc.mount("tmpfs", directory, "tmpfs", 0, "size=\(size),mode=0755") == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: directory)
            throw TestFailure("cannot mount a tmpfs on \(directory) (\(String(cString: strerror(code)))); these tests need root")
        }
        return ScratchFilesystem(path: directory)
    }

    /// Changes its size (`"8m"`), as `mount -o remount,size=8m` does.
    public func resize(to size: String) throws {
        guard Glibc.mount("tmpfs", path, "tmpfs", UInt(MS_REMOUNT), "size=\(size)") == 0 else {
            throw TestFailure("cannot resize the tmpfs on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a new file `name` of `bytes` zero bytes in it, to be deleted later to free space.
    public func writeFiller(_ name: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path + "/" + name, contents: Data(count: bytes)) else {
            throw TestFailure("cannot write \(path)/\(name)")
        }
    }

    /// Detaches the filesystem (lazily, so that open files do not keep it mounted) and removes the
    /// mount point. Idempotent.
    public func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}
