import MailTimeModel
import MailTimeQueue
import Testing

@Suite struct FoldingTests {
    func folded(_ text: String, key: String = "ann@example.com", at time: Timestamp) -> NewJob {
        NewJob(payload: Array(text.utf8), notBefore: time, foldKey: key)
    }

    @Test func jobsOfOneKeyWithinTheWindowAreLeasedTogether() async throws {
        try await withTestQueue { queue, clock in
            let windowEnd = clock.now + .seconds(60)
            let first = try await queue.enqueue([folded("1", at: windowEnd)])[0].id
            clock.advance(by: .seconds(10))
            let second = try await queue.enqueue([folded("2", at: clock.now + .seconds(60))])[0].id
            let other = try await queue.enqueue([folded("x", key: "bob@example.com", at: clock.now + .seconds(60))])[0].id
            clock.advance(by: .seconds(20))
            let third = try await queue.enqueue([folded("3", at: clock.now + .seconds(60))])[0].id

            clock.advance(by: .seconds(30))
            let leased = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s", folding: true)
            #expect(leased.map(\.job.id) == [first])
            #expect(leased[0].folded.map(\.job.id) == [second, third])
            #expect(leased[0].folded.map(\.payload) == [Array("2".utf8), Array("3".utf8)])
            #expect(leased[0].folded.allSatisfy { $0.job.state == .leased && $0.job.lease?.owner == "s" })
            #expect(Set([leased[0].token] + leased[0].folded.map(\.token)).count == 3)

            // Each folded job reports with its own token.
            for job in [leased[0]] + leased[0].folded {
                _ = try await queue.complete(job.job.id, token: job.token)
            }
            #expect(try await queue.status(second).state == .sent)

            // The other key's job is not folded in, and leases on its own when due.
            clock.advance(by: .seconds(10))
            let rest = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s", folding: true)
            #expect(rest.map(\.job.id) == [other])
            #expect(rest[0].folded.isEmpty)
        }
    }

    @Test func aJobArrivingAfterTheWindowIsNotFoldedIn() async throws {
        try await withTestQueue { queue, clock in
            let first = try await queue.enqueue([folded("1", at: clock.now + .seconds(60))])[0].id
            clock.advance(by: .seconds(61))
            // Queued after the first one became due: it waits for its own window.
            let late = try await queue.enqueue([folded("2", at: clock.now + .seconds(60))])[0].id
            let leased = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s", folding: true)
            #expect(leased.map(\.job.id) == [first])
            #expect(leased[0].folded.isEmpty)
            #expect(try await queue.status(late).state == .scheduled)
        }
    }

    @Test func withoutFoldingEveryJobLeasesAlone() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([folded("1", at: clock.now), folded("2", at: clock.now)])
            let leased = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s")
            #expect(leased.count == 2)
            #expect(leased.allSatisfy { $0.folded.isEmpty })
        }
    }

    @Test func aRetriedFoldedJobCanFoldAgainAndTheFoldKeySurvivesReopening() async throws {
        try await withTestQueue { queue, clock in
            let ids = try await queue.enqueue([folded("1", at: clock.now), folded("2", at: clock.now)]).map(\.id)
            let leased = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s", folding: true)
            #expect(leased.count == 1)
            #expect(leased[0].folded.count == 1)
            for job in [leased[0]] + leased[0].folded {
                _ = try await queue.retryLater(
                    job.job.id, token: job.token, error: DeliveryFailure(code: .smtpTemporary, text: "later"), delay: .zero)
            }
            let again = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s", folding: true)
            #expect(again.count == 1)
            #expect(Set([again[0].job.id] + again[0].folded.map(\.job.id)) == Set(ids))
            #expect(again[0].job.foldKey == "ann@example.com")
        }
    }
}
