import MailTimeModel
import MailTimeQueue
import Testing

/// A sent job keeps its payload for the body retention and its record for the history retention;
/// failed and cancelled jobs keep both for the history retention, so that they can be requeued.
@Suite struct BodyRetentionTests {
    let permanent = DeliveryFailure(code: .smtpPermanent, text: "550 no")

    @Test func maintenanceDeletesTheBodyOfASentJobButKeepsItsRecord() async throws {
        try await withTestQueue({ $0.bodyRetention = .seconds(60) }) { queue, clock in
            // 2,500 bytes: a payload stored in chunks, the typical email.
            let payload = [UInt8](repeating: 0x61, count: 2500)
            let ids = try await queue.enqueue([NewJob(payload: payload), email("kept")]).map(\.id)
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            let results = [RecipientResult(address: "ann@example.org", accepted: true, reply: "250 ok")]
            try await queue.complete(leased.job.id, token: leased.token, results: results)
            clock.advance(by: .seconds(59))
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 0))
            #expect(try await queue.payload(of: ids[0]) == payload)

            clock.advance(by: .seconds(1))
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 1))
            let error = await queueError { _ = try await queue.payload(of: ids[0]) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("body retention") == true)
            let job = try await queue.status(ids[0])
            #expect(job.state == .sent && job.attempts == 1 && job.recipientResults == results)
            // The waiting job keeps its body whatever its age.
            #expect(try await queue.payload(of: ids[1]) == Array("kept".utf8))
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 0))
        }
    }

    @Test func failedAndCancelledJobsKeepTheirBodyAndCanBeRequeued() async throws {
        try await withTestQueue({ $0.bodyRetention = .zero }) { queue, clock in
            let ids = try await queue.enqueue([email("failed"), email("cancelled")]).map(\.id)
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            try await queue.fail(leased.job.id, token: leased.token, error: permanent)
            _ = try await queue.cancel(ids[1])
            clock.advance(by: .seconds(3600))
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 0))

            #expect(Set(try await queue.requeue(.ids(ids))) == Set(ids))
            let again = try await queue.lease(maximum: 2, visibility: .seconds(30), owner: "s")
            #expect(Set(again.map(\.payload)) == [Array("failed".utf8), Array("cancelled".utf8)])
        }
    }

    @Test func zeroRetentionDeletesTheBodyAsTheJobIsSent() async throws {
        try await withTestQueue({ $0.bodyRetention = .zero }) { queue, _ in
            let id = try await queue.enqueue([NewJob(payload: [UInt8](repeating: 0x62, count: 5000))])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            try await queue.complete(id, token: leased.token)
            #expect(await queueError { _ = try await queue.payload(of: id) }?.code == .notFound)
            #expect(try await queue.status(id).state == .sent)
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 0))
        }
    }

    @Test func bodiesArePurgedInSmallPasses() async throws {
        try await withTestQueue({ $0.bodyRetention = .seconds(10) }) { queue, clock in
            let total = 1234
            var ids: [JobID] = []
            for start in stride(from: 0, to: total, by: 1000) {
                let batch = (start..<min(start + 1000, total)).map {
                    NewJob(payload: Array("email \($0) ".utf8) + [UInt8](repeating: 0x63, count: 2100))
                }
                ids += try await queue.enqueue(batch).map(\.id)
            }
            while true {
                let leased = try await queue.lease(maximum: 1000, visibility: .seconds(30), owner: "s")
                if leased.isEmpty { break }
                for job in leased { try await queue.complete(job.job.id, token: job.token) }
            }
            clock.advance(by: .seconds(10))
            // More than one pass of at most 500: 500 + 500 + 234.
            #expect(try await queue.purgeBodies(olderThan: .seconds(10)) == total)
            for id in ids.shuffled().prefix(20) {
                #expect(await queueError { _ = try await queue.payload(of: id) }?.code == .notFound)
                #expect(try await queue.status(id).state == .sent)
            }
            #expect(try await queue.stats().count(.sent) == total)
        }
    }

    @Test func historyPurgeTakesAKeptBodyWithIt() async throws {
        try await withTestQueue({
            $0.historyRetention = .seconds(60)
            $0.bodyRetention = .seconds(3600)
        }) { queue, clock in
            let id = try await queue.enqueue([email()])[0].id
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(30), owner: "s")[0]
            try await queue.complete(id, token: leased.token)
            clock.advance(by: .seconds(60))
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 1, bodies: 0))
            clock.advance(by: .seconds(3600))
            // Nothing is left to purge: the job's entry among the kept bodies went with it.
            #expect(try await queue.maintain() == MaintenanceOutcome(jobs: 0, bodies: 0))
        }
    }
}
