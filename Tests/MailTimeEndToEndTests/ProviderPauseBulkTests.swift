import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// A real broker with two providers: with both paused, emails fail (one attempt allowed) with
/// `NO_PROVIDER`; they are found by that code, requeued in bulk and go out through the provider
/// resumed, and the other one takes new emails again once it is resumed too.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct ProviderPauseBulkTests {
    @Test func pausedProvidersFailEmailsThatARequeueByErrorCodeSendsOnceResumed() async throws {
        let first = try await SMTPSink.start()
        defer { first.stop() }
        let second = try await SMTPSink.start()
        defer { second.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("first", port: first.port),
            "--providers", BrokerProcess.provider("second", port: second.port),
            "--retry-max-attempts", "1",
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        try await client.pauseProvider("first")
        try await client.pauseProvider("second")
        #expect(try await client.stats().providers.map(\.isPaused) == [true, true])
        let count = 10
        let ids = try await client.sendAll((0..<count).map { try Email.numbered($0, run: run) })
        try await waitUntil("every email to fail with no provider", timeout: .seconds(20)) {
            try await client.stats().counts[.failed] == count
        }
        let found = try await client.list(EmailFilter(state: .failed, errorCode: "NO_PROVIDER"))
        #expect(found.map(\.id) == ids.sorted())

        try await client.resumeProvider("second")
        #expect(try await client.requeue(where: EmailFilter(errorCode: "NO_PROVIDER", createdFrom: 0)) == count)
        try await second.waitForDelivered(count: count, timeout: .seconds(20))
        try await waitUntil("every email to be sent", timeout: .seconds(10)) {
            try await client.stats().counts[.sent] == count
        }
        #expect(try first.deliveredCount() == 0)

        try await client.resumeProvider("first")
        #expect(try await client.stats().providers.map(\.isPaused) == [false, false])
        _ = try await client.send(try Email.numbered(count, run: run))
        try await first.waitForDelivered(count: 1, timeout: .seconds(20))
        try await client.close()
    }
}
