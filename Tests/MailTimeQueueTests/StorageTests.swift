import Foundation
import Logging
import MailTimeQueue
import Testing

@Suite struct StorageTests {
    @Test func everythingSurvivesCloseAndReopen() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = MailQueue.Configuration(directory: directory.path)
        let first = try MailQueue(configuration: configuration, logger: .quiet)
        let ids = try await first.enqueue([email("a"), email("b"), NewJob(payload: [1], idempotencyKey: "k")]).map(\.id)
        let leased = try await first.lease(maximum: 1, visibility: .seconds(300), owner: "s")[0]
        try await first.complete(leased.job.id, token: leased.token)
        first.close()
        let closed = await queueError { _ = try await first.stats() }
        #expect(closed?.code == .closed)

        let second = try MailQueue(configuration: configuration, logger: .quiet)
        defer { second.close() }
        let stats = try await second.stats()
        #expect(stats.count(.sent) == 1 && stats.count(.ready) == 2)
        #expect(try await second.payload(of: ids[1]) == Array("b".utf8))
        #expect(try await second.enqueue([NewJob(payload: [2], idempotencyKey: "k")])[0].id == ids[2])
        let next = try await second.lease(maximum: 1, visibility: .seconds(300), owner: "s")[0]
        #expect(next.token > leased.token)
    }

    @Test func directoryIsCreatedPrivate() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let queue = try MailQueue(configuration: .init(directory: directory.path + "/nested/data"), logger: .quiet)
        queue.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/nested/data")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let queue = try MailQueue(configuration: .init(directory: directory.path), logger: .quiet)
        defer { queue.close() }
        do {
            _ = try MailQueue(configuration: .init(directory: directory.path), logger: .quiet)
            Issue.record("a second open succeeded")
        } catch {
            #expect(error.code == .locked)
            #expect(error.message.contains("in use by another process (pid \(getpid()))"))
        }
    }

    @Test func directoryThatCannotBeOpenedIsAClearError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let file = directory.path + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        for path in [file, file + "/below"] {
            do {
                _ = try MailQueue(configuration: .init(directory: path), logger: .quiet)
                Issue.record("opened a store in \(path)")
            } catch {
                #expect(error.code == .storage)
                #expect(error.message.contains(path) || error.message.contains(file))
            }
        }
    }

    @Test(arguments: [1, 1999, 2000, 2001, 2048, 4000, 16_384, 16_385, 100_003])
    func payloadsOfEverySizeComeBackWhole(size: Int) async throws {
        try await withTestQueue { queue, _ in
            var generator = SystemRandomNumberGenerator()
            let payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let neighbours = try await queue.enqueue([email("before"), NewJob(payload: payload), email("after")]).map(\.id)
            #expect(try await queue.payload(of: neighbours[1]) == payload)
            #expect(try await queue.payload(of: neighbours[0]) == Array("before".utf8))
            #expect(try await queue.payload(of: neighbours[2]) == Array("after".utf8))
            let leased = try await queue.lease(maximum: 3, visibility: .seconds(10), owner: "s")
            #expect(leased[1].payload == payload)
            for job in leased { try await queue.complete(job.job.id, token: job.token) }
            #expect(try await queue.purge(olderThan: .zero) == 3)
            #expect(await queueError { _ = try await queue.payload(of: neighbours[1]) }?.code == .notFound)
        }
    }

    @Test func chunkedPayloadsWithEarlierIdsThanTheStoredOnesComeBackWhole() async throws {
        // After a restart with the clock stepped back, new ids sort before the stored ones.
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        var configuration = MailQueue.Configuration(directory: directory.path)
        configuration.clock = clock.queueClock
        let payloads = (0..<4).map { index in (0..<(2048 + index)).map { UInt8(truncatingIfNeeded: $0 * 7 + index) } }
        let first = try MailQueue(configuration: configuration, logger: .quiet)
        let later = try await first.enqueue([NewJob(payload: payloads[0]), NewJob(payload: payloads[1])]).map(\.id)
        first.close()

        clock.advance(by: .seconds(-3600))
        let second = try MailQueue(configuration: configuration, logger: .quiet)
        defer { second.close() }
        let earlier = try await second.enqueue([NewJob(payload: payloads[2]), NewJob(payload: payloads[3])]).map(\.id)
        #expect(earlier.allSatisfy { $0 < later[0] })
        for (id, payload) in zip(later + earlier, payloads) {
            #expect(try await second.payload(of: id) == payload)
        }
        let leased = try await second.lease(maximum: 4, visibility: .seconds(10), owner: "s")
        #expect(leased.map(\.payload) == [payloads[2], payloads[3], payloads[0], payloads[1]])
    }

    @Test func emailsOfJustUnderTwoKilobytesShareTheirPages() async throws {
        // Two such payloads fit in a 4 KiB page; inserted at the end without MDB_APPEND, each page
        // would be split in half and keep one of them.
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let queue = try MailQueue(configuration: MailQueue.Configuration(directory: directory.path), logger: .quiet)
        let payload = [UInt8](repeating: 0x78, count: 1990)
        _ = try await queue.enqueue(Array(repeating: NewJob(payload: payload), count: 400))
        queue.close()
        let fileSize = try FileManager.default.attributesOfItem(atPath: directory.path + "/data.mdb")[.size] as! Int
        #expect(fileSize < 300 * 4096, "400 payloads of 1,990 bytes took \(fileSize / 4096) pages")
    }

    @Test func theMapGrowsWhenFull() async throws {
        try await withTestQueue({ $0.initialMapSize = 1 << 20 }) { queue, _ in
            let payload = [UInt8](repeating: 7, count: 64 << 10)
            var ids: [JobID] = []
            for _ in 0..<64 { ids += try await queue.enqueue([NewJob(payload: payload)]).map(\.id) }
            #expect(try await queue.stats().count(.ready) == 64)
            #expect(try await queue.payload(of: ids[63]) == payload)
        }
    }
}
