import MailTimeModel
import MailTimeQueue
import Testing

@Suite struct HistoryTests {
    let permanent = DeliveryFailure(code: .smtpPermanent, text: "550 no")

    @Test func requeueGivesFailedJobsFreshAttempts() async throws {
        try await withTestQueue { queue, _ in
            let ids = try await queue.enqueue([email(), email(), email()]).map(\.id)
            for leased in try await queue.lease(maximum: 3, visibility: .seconds(30), owner: "s") {
                try await queue.fail(leased.job.id, token: leased.token, error: permanent)
            }
            #expect(try await queue.requeue(.ids([ids[0]])) == [ids[0]])
            let job = try await queue.status(ids[0])
            #expect(job.state == .ready && job.attempts == 0)

            #expect(Set(try await queue.requeue(.allFailed)) == Set(ids[1...]))
            #expect(try await queue.stats().count(.ready) == 3)
            #expect(try await queue.stats().count(.failed) == 0)

            let notFailed = await queueError { _ = try await queue.requeue(.ids([ids[0]])) }
            #expect(notFailed?.code == .invalidState)
        }
    }

    @Test func requeueTriesTheRefusedRecipientsAgainAndNotTheOnesThatAccepted() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try #require(try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s").first)
            let results = [
                RecipientResult(address: "ann@example.org", accepted: true, code: 250, reply: "2.0.0 OK"),
                RecipientResult(address: "bob@example.org", accepted: false, code: 550, reply: "5.1.1 no such user"),
            ]
            try await queue.fail(leased.job.id, token: leased.token, error: permanent, results: results)
            #expect(try await queue.status(id).recipientResults == results)

            #expect(try await queue.requeue(.ids([id])) == [id])
            #expect(try await queue.status(id).recipientResults == [results[0]])
        }
    }

    @Test func purgeDeletesOldHistoryOnly() async throws {
        try await withTestQueue { queue, clock in
            let ids = try await queue.enqueue([email(), email(), email()]).map(\.id)
            let leased = try await queue.lease(maximum: 2, visibility: .seconds(30), owner: "s")
            try await queue.complete(leased[0].job.id, token: leased[0].token)
            clock.advance(by: .seconds(100))
            try await queue.fail(leased[1].job.id, token: leased[1].token, error: permanent)
            clock.advance(by: .seconds(50))

            #expect(try await queue.purge(olderThan: .seconds(120)) == 1)
            #expect(await queueError { _ = try await queue.status(ids[0]) }?.code == .notFound)
            #expect(await queueError { _ = try await queue.payload(of: ids[0]) }?.code == .notFound)
            #expect(try await queue.status(ids[1]).state == .failed)
            #expect(try await queue.status(ids[2]).state == .ready)
            #expect(try await queue.purge(olderThan: .zero) == 1)
            let stats = try await queue.stats()
            #expect(stats.count(.sent) == 0 && stats.count(.failed) == 0 && stats.count(.ready) == 1)
        }
    }

    @Test func maintainPurgesPastTheRetention() async throws {
        try await withTestQueue({ $0.historyRetention = .seconds(60) }) { queue, clock in
            let id = try await queue.enqueue([NewJob(payload: [1], idempotencyKey: "once")])[0].id
            _ = try await queue.cancel(id)
            clock.advance(by: .seconds(59))
            #expect(try await queue.maintain().jobs == 0)
            clock.advance(by: .seconds(1))
            #expect(try await queue.maintain().jobs == 1)
            // The purged job's idempotency key is free again.
            #expect(try await queue.enqueue([NewJob(payload: [1], idempotencyKey: "once")])[0].isDuplicate == false)
        }
    }

    @Test func zeroRetentionKeepsNoHistory() async throws {
        try await withTestQueue({ $0.historyRetention = .zero }) { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            #expect(try await queue.complete(id, token: leased.token).state == .sent)
            #expect(await queueError { _ = try await queue.status(id) }?.code == .notFound)
            let stats = try await queue.stats()
            #expect(JobState.allCases.allSatisfy { stats.count($0) == 0 })
        }
    }
}
