import MailTimeLMDB
import MailTimeModel
@testable import MailTimeQueue
import Testing

/// Every attempt is recorded with the email, in the transaction of the report (or lease expiry)
/// that ends it; the last 50 are kept; they go when the email goes.
@Suite struct AttemptHistoryTests {
    let temporary = DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later", provider: "relay-a")
    let deferredAnn = [RecipientResult(address: "ann@example.com", accepted: false, code: 451, reply: "4.3.0 try later")]
    let acceptedAnn = [RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "2.0.0 queued as 7F")]

    /// Leases the one due job.
    func leaseOne(_ queue: MailQueue) async throws -> LeasedJob {
        let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")
        try #require(leased.count == 1)
        return leased[0]
    }

    /// The attempts stored for `id`, read from the store itself (also once its job is gone).
    func storedAttempts(_ queue: MailQueue, _ id: JobID) async throws -> AttemptHistory {
        try await queue.run(QueueOperation(readOnly: true) { store, transaction, _ in try store.attemptHistory(of: id, transaction) })
    }

    @Test func eachReportIsRecordedWithItsFacts() async throws {
        try await withTestQueue { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            var leased = try await leaseOne(queue)
            let deferredAt = clock.now
            try await queue.retryLater(id, token: leased.token, error: temporary, results: deferredAnn, delay: .zero, duration: .milliseconds(120))
            clock.advance(by: .seconds(5))
            leased = try await leaseOne(queue)
            let sent = try await queue.complete(id, token: leased.token, results: acceptedAnn, provider: "relay-b", duration: .milliseconds(80))

            let inspected = try await queue.inspect(id)
            #expect(inspected.job == sent)
            #expect(inspected.history.dropped == 0)
            #expect(
                inspected.history.attempts == [
                    DeliveryAttempt(
                        number: 1, outcome: .deferred, endedAt: deferredAt.millisecondsSince1970, durationMilliseconds: 120,
                        provider: "relay-a", error: DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later"), recipients: deferredAnn
                    ),
                    DeliveryAttempt(
                        number: 2, outcome: .sent, endedAt: clock.now.millisecondsSince1970, durationMilliseconds: 80, provider: "relay-b",
                        recipients: acceptedAnn
                    ),
                ]
            )
        }
    }

    @Test func failuresExpiriesAndCancelsAreRecordedButAReleaseIsNot() async throws {
        try await withTestQueue { queue, clock in
            let ids = try await queue.enqueue([email("a"), email("b"), email("c"), email("d")]).map(\.id)
            let leased = try await queue.lease(maximum: 4, visibility: .seconds(30), owner: "sender-9")
            let permanent = DeliveryFailure(code: .smtpPermanent, text: "550 5.1.1 no such user", provider: "relay-a")
            try await queue.fail(ids[0], token: leased[0].token, error: permanent, duration: .milliseconds(40))
            #expect(try await queue.cancel(ids[2]) == .cancelRequested)
            #expect(try await queue.retryLater(ids[2], token: leased[2].token, error: temporary).state == .cancelled)
            try await queue.release(ids[3], token: leased[3].token)
            clock.advance(by: .seconds(31))
            try await queue.maintain()

            let failed = try await queue.inspect(ids[0]).history.attempts
            #expect(failed.map(\.outcome) == [.failed])
            #expect(failed.first?.error?.code == .smtpPermanent && failed.first?.provider == "relay-a")
            #expect(failed.first?.durationMilliseconds == 40)

            let expired = try await queue.inspect(ids[1])
            #expect(expired.job.state == .ready)
            #expect(expired.history.attempts.map(\.outcome) == [.expired])
            #expect(expired.history.attempts.first?.error?.code == .leaseExpired)
            #expect(expired.history.attempts.first?.error?.text.contains("sender-9") == true)
            #expect(expired.history.attempts.first?.provider == nil && expired.history.attempts.first?.durationMilliseconds == nil)

            #expect(try await queue.inspect(ids[2]).history.attempts.map(\.outcome) == [.cancelled])
            #expect(try await queue.inspect(ids[3]).history.attempts.isEmpty)
        }
    }

    @Test func aRefusedReportRecordsNothing() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await leaseOne(queue)
            try await queue.complete(id, token: leased.token, provider: "relay-a")
            #expect(await queueError { try await queue.complete(id, token: leased.token) }?.code == .invalidState)
            #expect(await queueError { try await queue.fail(id, token: leased.token + 1, error: temporary) }?.code == .staleToken)
            #expect(try await queue.inspect(id).history.attempts.map(\.outcome) == [.sent])
        }
    }

    /// A report whose transaction is rolled back leaves neither the job's change nor its attempt.
    @Test func theAttemptIsWrittenInTheTransactionOfTheReport() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await leaseOne(queue)
            let rolledBack = QueueOperation<Job> { store, transaction, now in
                _ = try store.complete(id, token: leased.token, results: acceptedAnn, provider: "relay-a", now: now, transaction)
                throw LMDBError(code: -1, message: "rolled back by the test")
            }
            #expect(await queueError { _ = try await queue.run(rolledBack) }?.code == .storage)
            let inspected = try await queue.inspect(id)
            #expect(inspected.job.state == .leased)
            #expect(inspected.history.attempts.isEmpty)

            try await queue.complete(id, token: leased.token, results: acceptedAnn, provider: "relay-a")
            #expect(try await queue.inspect(id).history.attempts.count == 1)
        }
    }

    @Test func theLastFiftyAreKeptWithTheCountOfTheOthers() async throws {
        try await withTestQueue({ $0.retryPolicy = RetryPolicy(maximumAttempts: 100) }) { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let total = AttemptHistory.limit + 3
            for _ in 1...total {
                let leased = try await leaseOne(queue)
                try await queue.retryLater(id, token: leased.token, error: temporary, delay: .zero)
            }
            let history = try await queue.inspect(id).history
            #expect(history.attempts.count == AttemptHistory.limit)
            #expect(history.dropped == 3)
            #expect(history.attempts.map(\.number) == Array(4...total))
        }
    }

    @Test func attemptsGoWithTheJob() async throws {
        try await withTestQueue { queue, _ in
            let ids = try await queue.enqueue([email("a"), email("b")]).map(\.id)
            let leased = try await queue.lease(maximum: 2, visibility: .seconds(30), owner: "s")
            try await queue.complete(ids[0], token: leased[0].token, provider: "relay-a")
            _ = try await queue.retryLater(ids[1], token: leased[1].token, error: temporary, delay: .zero)

            #expect(try await queue.purge(olderThan: .zero) == 1)
            #expect(await queueError { _ = try await queue.inspect(ids[0]) }?.code == .notFound)
            #expect(try await storedAttempts(queue, ids[0]).attempts.isEmpty)
            #expect(try await storedAttempts(queue, ids[1]).attempts.count == 1, "the other job's attempts stay")
        }
    }

    @Test func aRequeuedJobKeepsItsAttemptsAndCountsAgain() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            var leased = try await leaseOne(queue)
            try await queue.fail(id, token: leased.token, error: temporary)
            #expect(try await queue.requeue(.ids([id])) == [id])
            leased = try await leaseOne(queue)
            try await queue.complete(id, token: leased.token)
            let attempts = try await queue.inspect(id).history.attempts
            #expect(attempts.map(\.outcome) == [.failed, .sent])
            #expect(attempts.map(\.number) == [1, 1])
        }
    }

    @Test func zeroRetentionKeepsNoAttempts() async throws {
        try await withTestQueue({ $0.historyRetention = .zero }) { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            var leased = try await leaseOne(queue)
            _ = try await queue.retryLater(id, token: leased.token, error: temporary, delay: .zero)
            #expect(try await storedAttempts(queue, id).attempts.count == 1)
            leased = try await leaseOne(queue)
            try await queue.complete(id, token: leased.token)
            #expect(try await storedAttempts(queue, id).attempts.isEmpty)
        }
    }

    @Test func attemptsSurviveReopening() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = MailQueue.Configuration(directory: directory.path)
        let first = try MailQueue(configuration: configuration, logger: .quiet)
        let id = try await first.enqueue([email()])[0].id
        var leased = try await leaseOne(first)
        _ = try await first.retryLater(id, token: leased.token, error: temporary, results: deferredAnn, delay: .zero)
        leased = try await leaseOne(first)
        try await first.complete(id, token: leased.token, results: acceptedAnn, provider: "relay-b", duration: .milliseconds(3))
        let before = try await first.inspect(id)
        first.close()

        let second = try MailQueue(configuration: configuration, logger: .quiet)
        defer { second.close() }
        let after = try await second.inspect(id)
        #expect(after == before)
        #expect(after.history.attempts.map(\.provider) == ["relay-a", "relay-b"])
    }
}
