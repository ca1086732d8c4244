import Foundation
import MailTimeClient
import MailTimeDelivery
import MailTimeTestSupport
import Testing

/// Each SMTP provider's health in `STATS`, through the client and `mailtime stats`, with one working
/// provider (smtp-sink) and one that refuses connections.
@Suite("Provider health in STATS", .tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct ProviderStatsTests {
    /// Runs `body` against a broker with one sender and the providers `sink` (smtp-sink) and `dead`
    /// (a port that refuses connections), after one email went out through `sink`.
    private func withProviders(_ body: @escaping @Sendable (TestBroker) async throws -> Void) async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await withClosedPort { deadPort in
            let providers = try ["name=sink;host=127.0.0.1;port=\(sink.port);tls=none", "name=dead;host=127.0.0.1;port=\(deadPort);tls=none"]
                .map { try ProviderConfiguration(specification: $0, environment: [:]) }
            try await TestBroker.run({ configuration in
                configuration.senders = 1
                configuration.providers = providers
            }) { broker in
                let client = try await broker.connect()
                let sent = try await client.send(sampleEmail())
                var state = try await client.status(sent.id).state
                for _ in 0..<100 where state != .sent {
                    try await Task.sleep(for: .milliseconds(50))
                    state = try await client.status(sent.id).state
                }
                #expect(state == .sent)
                try await client.close()
                try await body(broker)
            }
        }
    }

    @Test func statsListEachProvidersHealth() async throws {
        try await withProviders { broker in
            let client = try await broker.connect()
            let stats = try await client.stats()
            try await client.close()
            #expect(stats.providers.map(\.name) == ["sink", "dead"])
            let sink = try #require(stats.providers.first)
            #expect(sink.isUp)
            #expect(sink.sent == 1)
            #expect(sink.failures == 0)
            #expect(sink.consecutiveFailures == 0)
            #expect(sink.lastError == nil)
            let dead = try #require(stats.providers.last)
            #expect(!dead.isUp, "the startup probe failed, so its circuit breaker keeps it out")
            #expect(dead.sent == 0)
            #expect(dead.consecutiveFailures == 1, "one failed check counts once")
            #expect(dead.failures == 1)
            #expect(dead.lastError?.isEmpty == false)
        }
    }

    @Test func mailtimeStatsPrintsOneLinePerProvider() async throws {
        try await withProviders { broker in
            let stats = try await CommandLineTests.mailtime(["stats"] + CommandLineTests.connectionFlags(broker))
            #expect(stats.status == 0, "\(stats.stderr)")
            let (fields, columns) = CommandLineTests.fields(stats.stdout)
            #expect(columns.count == 1, "the values are aligned: \(stats.stdout)")
            #expect(fields["sent"] == "1")
            #expect(fields["provider sink"] == "up, 1 sent, 0 failed")
            let dead = try #require(fields["provider dead"])
            #expect(dead.hasPrefix("down, 0 sent, 1 failed (1 in a row), last error: "), "\(dead)")
            let lines = stats.stdout.split(separator: "\n")
            #expect(lines.suffix(2).map { $0.prefix { $0 != ":" } } == ["provider sink", "provider dead"], "the providers come last")
        }
    }

    @Test func withoutProvidersThereAreNoProviderLines() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            #expect(try await client.stats().providers.isEmpty)
            try await client.close()
            let stats = try await CommandLineTests.mailtime(["stats"] + CommandLineTests.connectionFlags(broker))
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(!stats.stdout.contains("provider"))
        }
    }
}
