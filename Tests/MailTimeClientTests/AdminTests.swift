import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

@Suite("Admin commands", .timeLimit(.minutes(2)))
struct AdminTests {
    @Test func statsCountJobsByState() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let empty = try await client.stats()
            #expect(empty.counts.values.reduce(0, +) == 0)
            #expect(empty.connections >= 1)
            #expect(empty.nextDueAt == nil)

            let first = try await client.send(sampleEmail(1))
            _ = try await client.send(sampleEmail(2))
            var later = try sampleEmail(3)
            later.sendAt = Int64(Date().timeIntervalSince1970 * 1000) + 600_000
            _ = try await client.send(later)
            _ = try await client.cancel(first.id)

            let stats = try await client.stats()
            #expect(stats.counts[.ready] == 1)
            #expect(stats.counts[.scheduled] == 1)
            #expect(stats.counts[.cancelled] == 1)
            #expect(stats.nextDueAt != nil)
            #expect(stats.json.contains(#""ready":1"#))
            try await client.close()
        }
    }

    @Test func pauseAndResumeShowInStats() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            try await client.pause()
            #expect(try await client.stats().isPaused)
            try await client.resume()
            #expect(try await client.stats().isPaused == false)
            try await client.close()
        }
    }

    @Test func listsPageByPage() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var sent: [String] = []
            for number in 0..<5 { sent.append(try await client.send(sampleEmail(number)).id) }

            let firstPage = try await client.list(state: .ready, limit: 2)
            let secondPage = try await client.list(state: .ready, after: firstPage.last?.id, limit: 2)
            let lastPage = try await client.list(state: .ready, after: secondPage.last?.id, limit: 2)
            let listed = (firstPage + secondPage + lastPage).map(\.id)
            #expect(firstPage.count == 2 && secondPage.count == 2 && lastPage.count == 1)
            #expect(listed == sent.sorted())
            #expect(try await client.list(state: .failed).isEmpty)
            #expect(await clientError { _ = try await client.list(state: .ready, limit: 0) }?.code == .invalidArgument)
            try await client.close()
        }
    }

    @Test func requeuesFailedAndCancelledEmails() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let failing = try await client.send(sampleEmail(1))
            let cancelled = try await client.send(sampleEmail(2))
            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first { $0.id == failing.id })
            try await client.fail(id: leased.id, token: leased.token, error: DeliveryFailure(code: .smtpPermanent, text: "550 no such user"))
            _ = try await client.cancel(cancelled.id)
            #expect(try await client.list(state: .failed).map(\.id) == [failing.id])

            #expect(try await client.requeueFailed() == 1)
            let requeued = try await client.status(failing.id)
            #expect(requeued.state == .ready)
            #expect(requeued.attempts == 0)
            #expect(try await client.requeue(id: cancelled.id) == 1)
            #expect(try await client.status(cancelled.id).state == .ready)
            #expect(try await client.requeueFailed() == 0)
            try await client.close()
        }
    }
}
