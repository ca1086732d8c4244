import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An ext4 filesystem in a temporary file, mounted through a loop device with `errors=remount-ro`:
/// ``triggerError()`` makes the kernel record an error, after which it turns the filesystem
/// read-only as it does after a failing disk. It becomes writable again only through ``repair()``:
/// unmount, `e2fsck`, mount. Needs root, `losetup` and `mkfs.ext4` (CI runs the tests as root).
public final class Ext4Image: Sendable {
    /// Where it is mounted: a fresh temporary directory.
    public let path: String
    private let image: String
    private let device: String

    private init(path: String, image: String, device: String) {
        self.path = path
        self.image = image
        self.device = device
    }

    /// Makes an ext4 filesystem of `megabytes` and mounts it.
    public static func mount(megabytes: Int) async throws -> Ext4Image {
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-ext4")
        let image = directory.appendingPathComponent("image").path
        let mountPoint = directory.appendingPathComponent("mount").path
        do {
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(megabytes) << 20) == 0 else {
                throw TestFailure("cannot make the image file \(image)")
            }
            try await run("mkfs.ext4", "-q", "-F", image)
            let device = try await run("losetup", "--find", "--show", image).trimmingCharacters(in: .whitespacesAndNewlines)
            let filesystem = Ext4Image(path: mountPoint, image: image, device: device)
            do {
                try await filesystem.mountDevice()
            } catch {
                _ = try? await run("losetup", "-d", device)
                throw error
            }
            return filesystem
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Records a filesystem error, as ext4 does on a failed disk write: the kernel turns the
    /// filesystem read-only at once (writes to files already open then fail with `EROFS`).
    public func triggerError() throws {
        let control = "/sys/fs/ext4/\((device as NSString).lastPathComponent)/trigger_fs_error"
        guard let handle = FileHandle(forWritingAtPath: control) else {
            throw TestFailure("cannot open \(control)")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data("error triggered by a test\n".utf8))
    }

    /// Unmounts it, checks and repairs it with `e2fsck`, and mounts it again (writable). Nothing
    /// may have a file in it open.
    public func repair() async throws {
        try await Self.run("umount", path)
        // e2fsck exits 1 when it corrected errors, as it does after triggerError().
        try await Self.run("e2fsck", "-f", "-y", device, acceptedStatuses: [0, 1])
        try await mountDevice()
    }

    /// Detaches the filesystem (lazily, so that open files do not keep it mounted), frees the loop
    /// device and removes the image. Idempotent.
    public func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
        // A loop device detached while its filesystem is still (lazily) mounted is freed once it is not.
        let detach = Process()
        detach.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        detach.arguments = ["PATH=/usr/sbin:/sbin:/usr/bin:/bin", "losetup", "-d", device]
        detach.standardError = FileHandle.nullDevice
        try? detach.run()
        try? FileManager.default.removeItem(atPath: (image as NSString).deletingLastPathComponent)
    }

    private func mountDevice() async throws {
        try await Self.run("mount", "-o", "errors=remount-ro", device, path)
    }

    /// Runs a system tool (looked up in PATH and the sbin directories) and returns its standard output; throws when it ends
    /// with a status other than those accepted.
    @discardableResult
    private static func run(_ arguments: String..., acceptedStatuses: Set<Int32> = [0]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/sbin:/usr/bin:/bin"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        await process.exited()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard acceptedStatuses.contains(process.terminationStatus) else {
            let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("\(arguments.joined(separator: " ")) ended with status \(process.terminationStatus): \(complaint)")
        }
        return printed
    }
}
