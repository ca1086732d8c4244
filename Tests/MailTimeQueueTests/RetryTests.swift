import MailTimeModel
import MailTimeQueue
import Testing

@Suite struct RetryTests {
    let temporary = DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later", provider: "smtp-1")

    @Test func temporaryFailureBacksOffExponentiallyWithJitter() async throws {
        let policy = RetryPolicy(minimumDelay: .seconds(10), maximumDelay: .seconds(40), maximumAttempts: 10)
        try await withTestQueue({ $0.retryPolicy = policy }) { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            // Attempt n waits between half and all of min(10 s × 2^(n-1), 40 s).
            for expected in [10, 20, 40, 40] as [Int64] {
                let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
                let job = try await queue.retryLater(id, token: leased.token, error: temporary)
                #expect(job.state == .scheduled)
                #expect(job.lastError?.code == .smtpTemporary)
                #expect(job.lastError?.provider == "smtp-1")
                #expect(job.lastError?.at == clock.now.millisecondsSince1970)
                let wait = job.notBefore.duration(since: clock.now)
                #expect(wait >= .seconds(expected / 2) && wait <= .seconds(expected), "wait \(wait), expected ≤ \(expected)s")
                #expect(try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s").isEmpty)
                clock.advance(by: wait)
            }
        }
    }

    @Test func explicitDelayAndProviderPin() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            let job = try await queue.retryLater(id, token: leased.token, error: temporary, delay: .zero, providerIndex: 2)
            #expect(job.state == .ready)
            #expect(job.providerIndex == 2)
            let again = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            #expect(again.job.providerIndex == 2)
            #expect(again.job.attempts == 2)
            let twice = await queueError { _ = try await queue.retryLater(id, token: leased.token, error: temporary) }
            #expect(twice?.code == .staleToken)
        }
    }

    @Test func outOfAttemptsFails() async throws {
        try await withTestQueue({ $0.retryPolicy = RetryPolicy(minimumDelay: .zero, maximumDelay: .zero, maximumAttempts: 3) }) { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            var last: Job?
            for _ in 0..<3 {
                let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
                last = try await queue.retryLater(id, token: leased.token, error: temporary)
            }
            #expect(last?.state == .failed)
            #expect(last?.attempts == 3)
            #expect(last?.lastError?.code == .smtpTemporary)
            #expect(try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s").isEmpty)
        }
    }

    @Test func tooOldFails() async throws {
        try await withTestQueue({ $0.retryPolicy.maximumAge = .seconds(60) }) { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(120), owner: "s")[0]
            clock.advance(by: .seconds(60))
            #expect(try await queue.retryLater(id, token: leased.token, error: temporary).state == .failed)
        }
    }

    @Test func perEmailPolicyOverridesTheQueuePolicy() async throws {
        try await withTestQueue { queue, _ in
            let policy = RetryPolicy(minimumDelay: .zero, maximumDelay: .zero, maximumAttempts: 1)
            let id = try await queue.enqueue([NewJob(payload: [1], retryPolicy: policy)])[0].id
            #expect(try await queue.status(id).retryPolicy == policy)
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            #expect(try await queue.retryLater(id, token: leased.token, error: temporary).state == .failed)
        }
    }

    @Test func permanentFailureFailsAtOnce() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            let rejected = RecipientResult(address: "x@example.com", accepted: false, code: 550, reply: "5.1.1 unknown")
            let job = try await queue.fail(
                id,
                token: leased.token,
                error: DeliveryFailure(code: .smtpPermanent, text: "550 5.1.1 unknown"),
                results: [rejected]
            )
            #expect(job.state == .failed)
            #expect(job.recipientResults == [rejected])
            #expect(try await queue.stats().count(.failed) == 1)
        }
    }

    @Test func acceptedRecipientStaysAcceptedAcrossAttempts() async throws {
        try await withTestQueue({
            $0.retryPolicy.minimumDelay = .zero
            $0.retryPolicy.maximumDelay = .zero
        }) { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let accepted = RecipientResult(address: "a@example.com", accepted: true, code: 250, reply: "ok")
            let deferred = RecipientResult(address: "b@example.com", accepted: false, code: 451, reply: "later")
            var leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            _ = try await queue.retryLater(id, token: leased.token, error: temporary, results: [accepted, deferred])
            leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            let late = RecipientResult(address: "a@example.com", accepted: false, code: 550, reply: "no")
            let delivered = RecipientResult(address: "b@example.com", accepted: true, code: 250, reply: "ok")
            let job = try await queue.complete(id, token: leased.token, results: [late, delivered])
            #expect(job.recipientResults == [accepted, delivered])
        }
    }

    @Test func eventsReportEachOutcome() async throws {
        try await withTestQueue({ $0.retryPolicy.maximumAttempts = 2 }) { queue, _ in
            let ids = try await queue.enqueue([email("a"), email("b"), email("c")]).map(\.id)
            let leased = try await queue.lease(maximum: 3, visibility: .seconds(30), owner: "s")
            try await queue.complete(ids[0], token: leased[0].token)
            try await queue.retryLater(ids[1], token: leased[1].token, error: temporary)
            try await queue.fail(ids[2], token: leased[2].token, error: temporary)
            var iterator = queue.events.makeAsyncIterator()
            var seen: [(QueueEvent.Kind, JobID)] = []
            for _ in 0..<3 {
                let event = try #require(await iterator.next())
                seen.append((event.kind, event.job.id))
            }
            #expect(seen.map(\.0) == [.sent, .deferred, .failed])
            #expect(seen.map(\.1) == ids)
        }
    }
}
