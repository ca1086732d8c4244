import MailTimeModel
import MailTimeQueue
import Testing

@Suite struct EnqueueTests {
    @Test func enqueuedJobIsReadyWithItsPayload() async throws {
        try await withTestQueue { queue, clock in
            let results = try await queue.enqueue([email("one"), email("two")])
            #expect(results.count == 2)
            #expect(results.allSatisfy { !$0.isDuplicate })
            #expect(results[0].id < results[1].id)
            let job = try await queue.status(results[0].id)
            #expect(job.state == .ready)
            #expect(job.attempts == 0)
            #expect(job.createdAt == clock.now)
            #expect(job.payloadSize == 3)
            #expect(job.id.timestamp == clock.now)
            #expect(try await queue.payload(of: results[1].id) == Array("two".utf8))
            #expect(try await queue.stats().count(.ready) == 2)
        }
    }

    @Test func futureSendTimeIsScheduledAndPastMeansNow() async throws {
        try await withTestQueue { queue, clock in
            let later = try await queue.enqueue([NewJob(payload: [1], notBefore: clock.now + .seconds(60))])[0].id
            let past = try await queue.enqueue([NewJob(payload: [2], notBefore: clock.now - .seconds(60))])[0].id
            #expect(try await queue.status(later).state == .scheduled)
            let pastJob = try await queue.status(past)
            #expect(pastJob.state == .ready)
            #expect(pastJob.notBefore == clock.now)
            let stats = try await queue.stats()
            #expect(stats.nextDueAt == clock.now + .seconds(60))
        }
    }

    @Test func repeatedIdempotencyKeyReturnsTheFirstIdAndStoresNothing() async throws {
        try await withTestQueue({ $0.idempotencyWindow = .seconds(3600) }) { queue, clock in
            let first = try await queue.enqueue([NewJob(payload: [1], idempotencyKey: "order-42")])[0]
            let again = try await queue.enqueue([NewJob(payload: [2], idempotencyKey: "order-42")])[0]
            #expect(again.isDuplicate)
            #expect(again.id == first.id)
            #expect(try await queue.payload(of: first.id) == [1])
            #expect(try await queue.stats().count(.ready) == 1)

            // Within one batch too.
            let batch = try await queue.enqueue([
                NewJob(payload: [3], idempotencyKey: "k"), NewJob(payload: [4], idempotencyKey: "k"),
            ])
            #expect(batch[1].isDuplicate && batch[1].id == batch[0].id)

            clock.advance(by: .seconds(3601))
            let afterWindow = try await queue.enqueue([NewJob(payload: [5], idempotencyKey: "order-42")])[0]
            #expect(!afterWindow.isDuplicate)
            #expect(afterWindow.id != first.id)
        }
    }

    @Test func invalidBatchStoresNothing() async throws {
        try await withTestQueue({ $0.maximumPayloadSize = 10 }) { queue, _ in
            let tooLarge = await queueError {
                _ = try await queue.enqueue([email("ok"), NewJob(payload: [UInt8](repeating: 0, count: 11))])
            }
            #expect(tooLarge?.code == .payloadTooLarge)
            #expect(tooLarge?.message.contains("job 2") == true)

            let empty = await queueError { _ = try await queue.enqueue([NewJob(payload: [])]) }
            #expect(empty?.code == .invalidArgument)
            let none = await queueError { _ = try await queue.enqueue([]) }
            #expect(none?.code == .invalidArgument)
            let badKey = await queueError { _ = try await queue.enqueue([NewJob(payload: [1], idempotencyKey: "")]) }
            #expect(badKey?.code == .invalidArgument)
            let badPolicy = await queueError {
                _ = try await queue.enqueue([NewJob(payload: [1], retryPolicy: RetryPolicy(maximumAttempts: 0))])
            }
            #expect(badPolicy?.code == .invalidArgument)

            let stats = try await queue.stats()
            #expect(JobState.allCases.allSatisfy { stats.count($0) == 0 })
        }
    }

    @Test func tooManyJobsInOneBatchIsRefused() async throws {
        try await withTestQueue({ $0.maximumEnqueueBatch = 3 }) { queue, _ in
            let error = await queueError { _ = try await queue.enqueue(Array(repeating: email(), count: 4)) }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func concurrentEnqueuesAllLandWithDistinctIds() async throws {
        try await withTestQueue { queue, _ in
            let ids = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for caller in 0..<64 {
                    group.addTask {
                        var ids: [JobID] = []
                        for index in 0..<20 { ids.append(try await queue.enqueue([email("\(caller)-\(index)")])[0].id) }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(Set(ids).count == 64 * 20)
            #expect(try await queue.stats().count(.ready) == 64 * 20)
        }
    }
}
