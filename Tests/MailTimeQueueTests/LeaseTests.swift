import MailTimeModel
import MailTimeQueue
import Testing

@Suite struct LeaseTests {
    @Test func leaseTakesDueJobsByPriorityThenSendTimeThenId() async throws {
        try await withTestQueue { queue, clock in
            let low = try await queue.enqueue([NewJob(payload: [1], priority: 200)])[0].id
            let urgentLater = try await queue.enqueue([NewJob(payload: [2], priority: 0, notBefore: clock.now + .seconds(5))])[0].id
            let normalA = try await queue.enqueue([NewJob(payload: [3])])[0].id
            let normalB = try await queue.enqueue([NewJob(payload: [4])])[0].id
            let urgent = try await queue.enqueue([NewJob(payload: [5], priority: 0)])[0].id

            let first = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s1")
            #expect(first.map(\.job.id) == [urgent, normalA, normalB, low])
            #expect(first.allSatisfy { $0.job.state == .leased && $0.job.attempts == 1 })
            #expect(first.map(\.payload) == [[5], [3], [4], [1]])
            #expect(Set(first.map(\.token)).count == 4)

            clock.advance(by: .seconds(5))
            let second = try await queue.lease(maximum: 10, visibility: .seconds(30), owner: "s1")
            #expect(second.map(\.job.id) == [urgentLater])
        }
    }

    @Test func tokensGrowWithEveryLease() async throws {
        try await withTestQueue { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            let first = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "a")[0]
            clock.advance(by: .seconds(11))
            let second = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "b")[0]
            #expect(second.job.id == id)
            #expect(second.token > first.token)
            #expect(second.job.attempts == 2)
            #expect(second.job.lease?.owner == "b")
        }
    }

    @Test func noJobIsLeasedToTwoOwnersAtOnce() async throws {
        try await withTestQueue { queue, _ in
            for _ in 0..<10 { _ = try await queue.enqueue(Array(repeating: email(), count: 30)) }
            let leased = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for owner in 0..<8 {
                    group.addTask {
                        var ids: [JobID] = []
                        while true {
                            let batch = try await queue.lease(maximum: 7, visibility: .seconds(60), owner: "sender-\(owner)")
                            if batch.isEmpty { return ids }
                            ids += batch.map(\.job.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(leased.count == 300)
            #expect(Set(leased).count == 300)
            #expect(try await queue.stats().count(.leased) == 300)
        }
    }

    @Test func completeRecordsRecipientResults() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([email()])
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            clock.advance(by: .seconds(2))
            let results = [
                RecipientResult(address: "a@example.com", accepted: true, code: 250, reply: "2.1.5 OK"),
                RecipientResult(address: "b@example.com", accepted: false, code: 550, reply: "5.1.1 no such user"),
            ]
            let job = try await queue.complete(leased.job.id, token: leased.token, results: results)
            #expect(job.state == .sent)
            #expect(job.finishedAt == clock.now)
            #expect(job.activeLease == nil)
            #expect(try await queue.status(job.id).recipientResults == results)
            let stats = try await queue.stats()
            #expect(stats.count(.sent) == 1 && stats.count(.leased) == 0)

            let twice = await queueError { try await queue.complete(leased.job.id, token: leased.token) }
            #expect(twice?.code == .invalidState)
        }
    }

    @Test func staleTokenChangesNothing() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([email()])
            let old = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "slow")[0]
            clock.advance(by: .seconds(10))
            let current = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "fast")[0]
            let failure = DeliveryFailure(code: .smtpTemporary, text: "x")

            for report in [
                { _ = try await queue.complete(old.job.id, token: old.token) },
                { _ = try await queue.retryLater(old.job.id, token: old.token, error: failure) },
                { _ = try await queue.fail(old.job.id, token: old.token, error: failure) },
                { _ = try await queue.touch(old.job.id, token: old.token, extendBy: .seconds(10)) },
            ] as [() async throws -> Void] {
                let error = await queueError(report)
                #expect(error?.code == .staleToken)
            }
            let job = try await queue.status(current.job.id)
            #expect(job.state == .leased)
            #expect(job.lease == current.job.lease)
            #expect(job.lastError == nil)
        }
    }

    @Test func lateReportOfAnExpiredLeaseNotYetRetakenCounts() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([email()])
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "s")[0]
            clock.advance(by: .seconds(11))
            try await queue.maintain()
            #expect(try await queue.status(leased.job.id).state == .ready)
            let touched = await queueError { _ = try await queue.touch(leased.job.id, token: leased.token, extendBy: .seconds(5)) }
            #expect(touched?.code == .staleToken)
            // The send did happen: recording it avoids sending the email twice.
            #expect(try await queue.complete(leased.job.id, token: leased.token).state == .sent)
        }
    }

    @Test func expiredLeaseReturnsTheJobOrFailsItWhenOutOfAttempts() async throws {
        try await withTestQueue({ $0.retryPolicy.maximumAttempts = 2 }) { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            _ = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "crashed-1")
            clock.advance(by: .seconds(10))
            try await queue.maintain()
            let returned = try await queue.status(id)
            #expect(returned.state == .ready)
            #expect(returned.attempts == 1)

            _ = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "crashed-2")
            clock.advance(by: .seconds(10))
            try await queue.maintain()
            let failed = try await queue.status(id)
            #expect(failed.state == .failed)
            #expect(failed.lastError?.code == .leaseExpired)
            #expect(failed.lastError?.text.contains("lease expired") == true)
            #expect(failed.lastError?.text.contains("crashed-2") == true)
        }
    }

    @Test func touchExtendsTheLease() async throws {
        try await withTestQueue { queue, clock in
            _ = try await queue.enqueue([email()])
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "s")[0]
            clock.advance(by: .seconds(8))
            let renewal = try await queue.touch(leased.job.id, token: leased.token, extendBy: .seconds(10))
            #expect(renewal.deadline == (clock.now + .seconds(10)).millisecondsSince1970)
            #expect(!renewal.cancelRequested)
            clock.advance(by: .seconds(8))
            try await queue.maintain()
            #expect(try await queue.status(leased.job.id).state == .leased)
            #expect(try await queue.stats().nextLeaseDeadline?.millisecondsSince1970 == renewal.deadline)
        }
    }

    @Test func zeroAndNegativeArgumentsAreRefused() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let calls: [() async throws -> Void] = [
                { _ = try await queue.lease(maximum: 0, visibility: .seconds(10), owner: "s") },
                { _ = try await queue.lease(maximum: -1, visibility: .seconds(10), owner: "s") },
                { _ = try await queue.lease(maximum: 1001, visibility: .seconds(10), owner: "s") },
                { _ = try await queue.lease(maximum: 1, visibility: .zero, owner: "s") },
                { _ = try await queue.lease(maximum: 1, visibility: .seconds(-5), owner: "s") },
                { _ = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "") },
                { _ = try await queue.list(state: .ready, limit: 0) },
                { _ = try await queue.list(state: .ready, limit: -3) },
                { _ = try await queue.purge(olderThan: .seconds(-1)) },
            ]
            for call in calls {
                #expect(await queueError(call)?.code == .invalidArgument)
            }
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(10), owner: "s")[0]
            let touch = await queueError { _ = try await queue.touch(id, token: leased.token, extendBy: .zero) }
            #expect(touch?.code == .invalidArgument)
            let retry = await queueError {
                _ = try await queue.retryLater(id, token: leased.token, error: .init(code: .smtpTemporary, text: "x"), delay: .seconds(-1))
            }
            #expect(retry?.code == .invalidArgument)
            #expect(try await queue.status(id).state == .leased)
        }
    }
}

@Suite struct ReleaseTests {
    @Test func aReleasedLeaseIsReadyAgainAndItsAttemptDoesNotCount() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(60), owner: "s")[0]
            #expect(leased.job.attempts == 1)
            let released = try await queue.release(id, token: leased.token)
            #expect(released.state == .ready)
            #expect(released.attempts == 0)
            #expect(released.lease == nil)
            // The old token cannot report any more; the job leases again at once.
            let stale = await queueError { _ = try await queue.complete(id, token: leased.token) }
            #expect(stale?.code == .staleToken || stale?.code == .invalidState)
            let again = try await queue.lease(maximum: 1, visibility: .seconds(60), owner: "t")
            #expect(again.map(\.job.id) == [id])
        }
    }

    @Test func releasingHonoursAPendingCancel() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(60), owner: "s")[0]
            _ = try await queue.cancel(id)
            #expect(try await queue.release(id, token: leased.token).state == .cancelled)
        }
    }
}
