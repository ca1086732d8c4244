import Foundation
import Logging
import MailTimeQueue
import MailTimeTestSupport
import Testing

/// The queue on a tmpfs of 1 MB: writes fail with `STORAGE` once it is full, reads go on, nothing
/// acknowledged is lost, and writes work again as soon as there is space, without reopening.
@Suite(.enabled(if: ScratchFilesystem.isRoot, "mounts a tmpfs, which needs root (CI runs the tests as root)"))
struct FullDiskTests {
    @Test func writesFailWhileTheDiskIsFullAndWorkAgainOnceItIsNot() async throws {
        let filesystem = try ScratchFilesystem.mount(size: "1m")
        defer { filesystem.unmount() }
        let configuration = MailQueue.Configuration(directory: filesystem.path + "/queue")
        let queue = try MailQueue(configuration: configuration, logger: .quiet)
        var acknowledged: [JobID: [UInt8]] = [:]
        var refusal: QueueError?
        for number in 0..<1000 {
            let payload = Self.payload(number)
            do {
                acknowledged[try await queue.enqueue([NewJob(payload: payload)])[0].id] = payload
            } catch let error as QueueError {
                refusal = error
                break
            }
        }
        let error = try #require(refusal, "1,000 emails of 8 KB fitted on a tmpfs of 1 MB")
        #expect(error.code == .storage)
        #expect(error.message == "the broker's disk is full: nothing was stored")
        #expect(acknowledged.count > 20)

        // A write and reads submitted together: the write fails, the reads are answered.
        let (answers, answer) = AsyncStream.makeStream(of: (String, String).self)
        func record<Value: Sendable>(_ name: String) -> @Sendable (Result<Value, any Error>) -> Void {
            { result in answer.yield((name, (try? result.get()).map { _ in "ok" } ?? "\(result)")) }
        }
        let someID = try #require(acknowledged.keys.first)
        queue.submit(.enqueue([NewJob(payload: Self.payload(-1))]), completion: record("enqueue"))
        queue.submit(.status(someID), completion: record("status"))
        queue.submit(.stats(), completion: record("stats"))
        queue.submit(.list(state: .ready, limit: 5), completion: record("list"))
        var answered: [String: String] = [:]
        for await (name, text) in answers.prefix(4) { answered[name] = text }
        #expect(answered["enqueue"]?.contains("STORAGE") == true, "\(answered)")
        #expect(answered["status"] == "ok" && answered["stats"] == "ok" && answered["list"] == "ok", "\(answered)")
        #expect(try await queue.stats().count(.ready) == acknowledged.count)

        // Space comes back: the same queue writes again.
        try filesystem.resize(to: "4m")
        let later = Self.payload(-2)
        acknowledged[try await queue.enqueue([NewJob(payload: later)])[0].id] = later
        queue.close()

        // Everything acknowledged is there, whole; nothing else is.
        let reopened = try MailQueue(configuration: configuration, logger: .quiet)
        defer { reopened.close() }
        #expect(try await reopened.stats().count(.ready) == acknowledged.count)
        for (id, payload) in acknowledged {
            #expect(try await reopened.payload(of: id) == payload)
        }
    }

    /// An email of a little over 8 KB that names its number.
    static func payload(_ number: Int) -> [UInt8] {
        Array("email \(number) ".utf8) + [UInt8](repeating: 0x64, count: 8000)
    }
}
