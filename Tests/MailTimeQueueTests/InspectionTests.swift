import MailTimeQueue
import Testing

@Suite struct InspectionTests {
    @Test func listPagesThroughAStateInIdOrder() async throws {
        try await withTestQueue { queue, _ in
            let ids = try await queue.enqueue((0..<25).map { email("\($0)") }).map(\.id)
            var seen: [JobID] = []
            var after: JobID?
            while true {
                let page = try await queue.list(state: .ready, after: after, limit: 10)
                if page.isEmpty { break }
                seen += page.map(\.id)
                after = page.last?.id
            }
            #expect(seen == ids)
            #expect(try await queue.list(state: .sent).isEmpty)
        }
    }

    @Test func statsGiveCountsOldestReadyAgeAndNextDueTime() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([NewJob(payload: [1], priority: 9)])
            clock.advance(by: .seconds(5))
            _ = try await queue.enqueue([NewJob(payload: [2], priority: 1)])
            _ = try await queue.enqueue([NewJob(payload: [3], notBefore: clock.now + .seconds(100))])
            clock.advance(by: .seconds(5))
            let stats = try await queue.stats()
            #expect(stats.count(.ready) == 2)
            #expect(stats.count(.scheduled) == 1)
            #expect(stats.oldestReadyAge == .seconds(10))
            #expect(stats.nextDueAt == clock.now + .seconds(95))
            #expect(stats.nextLeaseDeadline == nil)

            clock.advance(by: .seconds(95))
            try await queue.maintain()
            #expect(try await queue.stats().count(.ready) == 3)
        }
    }

    @Test func jobIdTextRoundTrips() throws {
        let text = "0190F0E0-1234-7abc-8def-0123456789ab"
        let id = try #require(JobID(text))
        #expect(id.description == text.lowercased())
        #expect(JobID("not-a-uuid") == nil)
        #expect(JobID("0190f0e0x1234-7abc-8def-0123456789ab") == nil)
    }
}
