import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// A provider that is down when `mailtimed` starts (nothing listens on its port) and comes up later.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct ProviderRecoveryTests {
    @Test func everyEmailIsDeliveredOnceALateProviderComesUp() async throws {
        let count = 20
        let late = try ReservedPort()
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("late", port: late.port),
            "--circuit-cool-down-ms", "200",
            "--retry-min-delay-seconds", "1", "--retry-max-delay-seconds", "1",
            // However long a busy machine takes to start the sink, no email runs out of attempts meanwhile.
            "--retry-max-attempts", "1000",
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()
        let ids = try await client.sendAll((0..<count).map { try Email.numbered($0, run: run) })

        // While the provider is down nothing is delivered: the emails wait for their next attempts.
        try await waitUntil("a first attempt of every email", timeout: .seconds(10)) {
            for id in ids where try await client.status(id).attempts == 0 { return false }
            return true
        }
        let down = try await client.stats()
        #expect(down.counts[.sent] == 0)
        #expect(try ReportedProvider.all(in: down).map(\.isUp) == [false])

        late.release()
        let sink = try await SMTPSink.start(port: late.port)
        defer { sink.stop() }
        let upAt = ContinuousClock.now
        try await waitUntil("every email to be sent", timeout: .seconds(30), state: { "\((try? await client.stats().json) ?? "")" }) {
            try await client.stats().counts[.sent] == count
        }
        let catchUp = ContinuousClock.now - upAt

        #expect(try sink.deliveredCount() == count, "each email exactly once")
        var attempts: [Int] = []
        for id in ids {
            let status = try await client.status(id)
            #expect(status.state == .sent)
            attempts.append(status.attempts)
        }
        #expect(attempts.allSatisfy { $0 >= 2 }, "every email failed at least once while the provider was down")
        #expect(try ReportedProvider.all(in: try await client.stats()).map(\.isUp) == [true])
        print(
            "late provider: \(count) emails, \(try sink.deliveredCount()) delivered, \(catchUp) after the provider came up, attempts \(attempts.min()!)…\(attempts.max()!)"
        )
        try await client.close()
    }
}
