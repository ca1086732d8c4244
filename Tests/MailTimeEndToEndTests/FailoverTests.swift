import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// Failover: the first provider is broken, the second takes everything; when the first recovers,
/// new emails go through it again after its circuit's cool-down.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct FailoverTests {
    /// How the first provider is broken.
    enum Breakage: String, CustomTestStringConvertible, CaseIterable {
        /// It answers MAIL with 421 and hangs up (`smtp-sink -Q MAIL`).
        case answers421
        /// Nothing listens on its port.
        case refusesConnections

        var testDescription: String { rawValue }
    }

    @Test(arguments: Breakage.allCases)
    func everythingGoesThroughTheSecondProviderUntilTheFirstRecovers(_ breakage: Breakage) async throws {
        let firstPort = try ReservedPort()
        var broken: SMTPSink?
        if breakage == .answers421 {
            firstPort.release()
            broken = try await SMTPSink.start(arguments: ["-Q", "MAIL"], port: firstPort.port)
        }
        defer { broken?.stop() }
        let second = try await SMTPSink.start()
        defer { second.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("first", port: firstPort.port),
            "--providers", BrokerProcess.provider("second", port: second.port),
            "--circuit-cool-down-ms", "500",
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        let count = 30
        let ids = try await client.sendAll((0..<count).map { try Email.numbered($0, run: run) })
        try await second.waitForDelivered(count: count, timeout: .seconds(20))
        try await waitUntil("every email to be sent", timeout: .seconds(10)) {
            try await client.stats().counts[.sent] == count
        }
        #expect(try broken?.deliveredCount() ?? 0 == 0)
        #expect(try second.deliveredCount() == count)
        for id in ids.prefix(5) {
            #expect(try await client.status(id).attempts == 1, "a provider failure moves the email on at once")
        }
        let during = try ReportedProvider.all(in: try await client.stats())
        #expect(during.map(\.name) == ["first", "second"])
        #expect(during[0].isUp == false)
        if breakage == .answers421 {
            #expect(during[0].failures >= 3, "the circuit opens after 3 provider failures in a row")
        } else {
            #expect(during[0].failures >= 1, "the failed start-up check took it down")
        }
        #expect(during[0].lastError != nil)
        #expect(during[1].isUp && during[1].sent == count && during[1].failures == 0)

        // The first provider recovers: once its cool-down is over, one email probes it and it is back.
        broken?.stop()
        firstPort.release()
        let recovered = try await SMTPSink.start(port: firstPort.port)
        defer { recovered.stop() }
        let recoveredAt = ContinuousClock.now
        var probes = 0
        while try recovered.deliveredCount() == 0 {
            try #require(ContinuousClock.now - recoveredAt < .seconds(20), "the recovered provider never got an email")
            try await Task.sleep(for: .milliseconds(100))
            _ = try await client.send(try Email.numbered(count + probes, run: run))
            probes += 1
            try await waitUntil("the probe email to arrive", timeout: .seconds(10)) {
                try second.deliveredCount() + recovered.deliveredCount() == count + probes
            }
        }
        let backAfter = ContinuousClock.now - recoveredAt
        let after = 20
        _ = try await client.sendAll((0..<after).map { try Email.numbered(count + probes + $0, run: run) })
        try await recovered.waitForDelivered(count: 1 + after, timeout: .seconds(10))
        try await waitUntil("every email to be sent", timeout: .seconds(10)) {
            try await client.stats().counts[.sent] == count + probes + after
        }
        #expect(try recovered.deliveredCount() == 1 + after, "after recovering, the first provider takes every new email")
        #expect(try second.deliveredCount() == count + probes - 1)
        let recoveredHealth = try ReportedProvider.all(in: try await client.stats())
        #expect(recoveredHealth[0].isUp && recoveredHealth[0].sent == 1 + after)
        print(
            "failover (\(breakage)): second provider \(try second.deliveredCount()), first provider \(try recovered.deliveredCount()) after recovering; back \(backAfter) after it came up (\(probes) probe email(s))"
        )
        try await client.close()
    }
}
