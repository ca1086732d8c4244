import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// The `balance` strategy spreads emails over the providers by their weights.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct BalanceTests {
    @Test func theSplitFollowsWeightsThreeToOne() async throws {
        let heavy = try await SMTPSink.start()
        defer { heavy.stop() }
        let light = try await SMTPSink.start()
        defer { light.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("heavy", port: heavy.port, "weight=3"),
            "--providers", BrokerProcess.provider("light", port: light.port, "weight=1"),
            "--strategy", "balance",
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        let count = 400
        _ = try await client.sendAll((0..<count).map { try Email.numbered($0, run: run) })
        try await waitUntil("every email to be sent", timeout: .seconds(30), state: { (try? await client.stats().json) ?? "" }) {
            try await client.stats().counts[.sent] == count
        }
        let (toHeavy, toLight) = (try heavy.deliveredCount(), try light.deliveredCount())
        #expect(toHeavy + toLight == count, "each email exactly once")
        #expect(abs(toHeavy - count * 3 / 4) <= count * 3 / 4 / 10, "heavy got \(toHeavy) of \(count)")
        #expect(abs(toLight - count / 4) <= count / 4 / 10, "light got \(toLight) of \(count)")
        let health = try ReportedProvider.all(in: try await client.stats())
        #expect(health.map(\.sent) == [toHeavy, toLight])
        print("balance 3:1: heavy \(toHeavy), light \(toLight) of \(count)")
        try await client.close()
    }
}
