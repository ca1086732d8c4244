import ArgumentParser
import Foundation

/// A process's resident memory from /proc/PID/status, in kilobytes: all of it (`VmRSS`), its
/// anonymous part (`RssAnon`: heaps, stacks) and its file-backed part (`RssFile`: the binary,
/// libraries, and mapped files such as the LMDB store).
struct ProcessMemory {
    var rssKilobytes: Int
    var anonymousKilobytes: Int
    var fileKilobytes: Int

    /// Reads the figures of process `pid`; throws when it does not exist or the file lacks them.
    init(pid: Int) throws {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            throw ValidationError("cannot read /proc/\(pid)/status: is process \(pid) running?")
        }
        var fields: [Substring: Int] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kilobytes = Int(parts[1]) { fields[parts[0]] = kilobytes }
        }
        guard let rss = fields["VmRSS"], let anonymous = fields["RssAnon"], let file = fields["RssFile"] else {
            throw ValidationError("/proc/\(pid)/status has no VmRSS, RssAnon and RssFile")
        }
        rssKilobytes = rss
        anonymousKilobytes = anonymous
        fileKilobytes = file
    }
}
