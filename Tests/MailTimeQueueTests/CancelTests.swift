import MailTimeQueue
import Testing

@Suite struct CancelTests {
    @Test func waitingJobsAreCancelledAtOnce() async throws {
        try await withTestQueue { queue, clock in
            let ready = try await queue.enqueue([email()])[0].id
            let scheduled = try await queue.enqueue([NewJob(payload: [1], notBefore: clock.now + .seconds(60))])[0].id
            #expect(try await queue.cancel(ready) == .cancelled)
            #expect(try await queue.cancel(scheduled) == .cancelled)
            #expect(try await queue.status(ready).state == .cancelled)
            clock.advance(by: .seconds(61))
            #expect(try await queue.lease(maximum: 10, visibility: .seconds(10), owner: "s").isEmpty)
            #expect(try await queue.stats().count(.cancelled) == 2)
        }
    }

    @Test func leasedJobIsCancelledWhenItsSenderGivesUp() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            #expect(try await queue.cancel(id) == .cancelRequested)
            #expect(try await queue.cancel(id) == .cancelRequested)
            let job = try await queue.status(id)
            #expect(job.state == .leased && job.cancelRequested)
            #expect(try await queue.touch(id, token: leased.token, extendBy: .seconds(30)).cancelRequested)
            let after = try await queue.retryLater(id, token: leased.token, error: .init(code: .smtpTemporary, text: "temporary"))
            #expect(after.state == .cancelled)
        }
    }

    @Test func leasedJobIsCancelledWhenItsLeaseExpires() async throws {
        try await withTestQueue { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            _ = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")
            _ = try await queue.cancel(id)
            clock.advance(by: .seconds(30))
            try await queue.maintain()
            #expect(try await queue.status(id).state == .cancelled)
        }
    }

    @Test func sendThatAlreadyHappenedIsReportedAsSent() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            _ = try await queue.cancel(id)
            let job = try await queue.complete(id, token: leased.token)
            #expect(job.state == .sent)
            #expect(job.cancelRequested)
        }
    }

    @Test func finishedJobsCannotBeCancelled() async throws {
        try await withTestQueue { queue, _ in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            try await queue.complete(id, token: leased.token)
            let error = await queueError { _ = try await queue.cancel(id) }
            #expect(error?.code == .invalidState)
            #expect(error?.message.contains("already sent") == true)
            #expect(try await queue.status(id).state == .sent)
        }
    }

    @Test func unknownIdsAreNotFound() async throws {
        try await withTestQueue { queue, _ in
            let unknown = JobID("0190f0e0-0000-7000-8000-000000000000")!
            let calls: [() async throws -> Void] = [
                { _ = try await queue.cancel(unknown) },
                { _ = try await queue.status(unknown) },
                { _ = try await queue.payload(of: unknown) },
                { _ = try await queue.complete(unknown, token: 1) },
                { _ = try await queue.touch(unknown, token: 1, extendBy: .seconds(1)) },
                { _ = try await queue.requeue(.ids([unknown])) },
            ]
            for call in calls {
                let error = await queueError(call)
                #expect(error?.code == .notFound)
                #expect(error?.message.contains(unknown.description) == true)
            }
        }
    }
}
