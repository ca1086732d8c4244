import Foundation
import MailTimeClient
import MailTimeDelivery
import MailTimeTestSupport
import Testing

/// Each email's attempts in `STATUS` (`history`, `history_dropped`), as the broker records them from
/// its own senders' and from remote workers' reports, through the client and `mailtime status`.
@Suite("Attempt history in STATUS", .timeLimit(.minutes(2)))
struct AttemptHistoryTests {
    /// A provider that defers the recipient (`451 4.3.0` to its RCPT TO) and one that takes it: the first
    /// attempt is deferred on the first, the second (failover after one temporary failure) is sent on
    /// the second; STATUS shows both, each with its provider and the recipient's SMTP reply.
    @Test(.tags(.peer), .unlessSkipped(.peer))
    func aTemporaryFailureOnOneProviderThenASendOnAnother() async throws {
        let busy = try await AiosmtpdServer.start(
            AiosmtpdServer.Options(rejectedRecipients: ["ann0@example.com": "451 4.3.0 mailbox busy, try again later"]))
        defer { busy.stop() }
        let accepting = try await AiosmtpdServer.start()
        defer { accepting.stop() }
        let providers = try [("busy", busy.port), ("accepting", accepting.port)].map { name, port in
            try ProviderConfiguration(specification: "name=\(name);host=127.0.0.1;port=\(port);tls=none", environment: [:])
        }
        try await TestBroker.run({ configuration in
            configuration.senders = 1
            configuration.providers = providers
            configuration.routing.strategy = .failover(temporaryFailuresBeforeNext: 1)
            configuration.retryPolicy.minimumDelay = .milliseconds(100)
            configuration.retryPolicy.maximumDelay = .milliseconds(200)
        }) { broker in
            let client = try await broker.connect()
            let sent = try await client.send(sampleEmail())
            var status = try await client.status(sent.id)
            let start = ContinuousClock.now
            while status.state != .sent {
                try #require(ContinuousClock.now - start < .seconds(30), "the email was not sent: \(status.json)")
                try await Task.sleep(for: .milliseconds(50))
                status = try await client.status(sent.id)
            }
            try await client.close()
            _ = try await accepting.waitForMessages(count: 1, timeout: .seconds(5))

            let history = try #require(status.history, "STATUS carries the history: \(status.json)")
            #expect(history.dropped == 0)
            try #require(history.attempts.count == 2, "\(status.json)")
            let (deferred, delivered) = (history.attempts[0], history.attempts[1])
            #expect(deferred.number == 1 && delivered.number == 2)
            #expect(deferred.outcome == .deferred && delivered.outcome == .sent)
            #expect(deferred.provider == "busy" && delivered.provider == "accepting")
            #expect(deferred.error?.code == .smtpTemporary)
            #expect(delivered.error == nil)
            #expect(
                deferred.recipients == [
                    RecipientResult(address: "ann0@example.com", accepted: false, code: 451, reply: "4.3.0 mailbox busy, try again later")
                ]
            )
            #expect(delivered.recipients.map(\.address) == ["ann0@example.com"])
            #expect(delivered.recipients.first?.accepted == true && delivered.recipients.first?.code == 250)
            #expect(deferred.durationMilliseconds != nil && delivered.durationMilliseconds != nil)
            #expect(deferred.endedAt < delivered.endedAt && delivered.endedAt == status.finishedAt)

            let printed = try await CommandLineTests.mailtime(["status", sent.id] + CommandLineTests.connectionFlags(broker))
            #expect(printed.status == 0, "\(printed.stderr)")
            let lines = printed.stdout.split(separator: "\n").map(String.init)
            let first = try #require(lines.firstIndex { $0.hasPrefix("history:") }, "\(printed.stdout)")
            #expect(lines[first].contains("#1  ") && lines[first].contains("  deferred  busy  "), "\(printed.stdout)")
            #expect(lines[first + 1].contains("SMTP_TEMPORARY"), "\(printed.stdout)")
            #expect(lines[first + 2].contains("ann0@example.com  rejected  451 4.3.0 mailbox busy, try again later"), "\(printed.stdout)")
            let second = try #require(lines.firstIndex { $0.contains("#2  ") }, "\(printed.stdout)")
            #expect(lines[second].contains("  sent  accepting  "), "\(printed.stdout)")
            #expect(lines[second + 1].contains("ann0@example.com  accepted  250"), "\(printed.stdout)")
        }
    }

    /// A remote worker's reports give what they know: the provider and the duration when they carry
    /// them, and nothing of the kind when they do not (reports written before those fields existed).
    @Test func remoteWorkersReportsAreRecordedWithWhatTheyCarry() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let first = try await client.send(sampleEmail(1))
            let second = try await client.send(sampleEmail(2))

            var leased = try await client.lease(max: 2, visibilitySeconds: 30)
            try #require(leased.map(\.id) == [first.id, second.id])
            let greylisted = [RecipientResult(address: "ann1@example.com", accepted: false, code: 451, reply: "4.7.1 greylisted")]
            let state = try await client.retry(
                id: first.id, token: leased[0].token,
                error: DeliveryFailure(code: .smtpTemporary, text: "451 4.7.1 greylisted", provider: "relay-a"),
                results: greylisted, delayMilliseconds: 0, durationMilliseconds: 120
            )
            #expect(state == .ready)
            try await client.complete(id: second.id, token: leased[1].token)

            leased = try await client.lease(max: 1, visibilitySeconds: 30)
            try #require(leased.map(\.id) == [first.id])
            let accepted = [RecipientResult(address: "ann1@example.com", accepted: true, code: 250, reply: "2.0.0 OK")]
            try await client.complete(id: first.id, token: leased[0].token, results: accepted, provider: "relay-b", durationMilliseconds: 80)

            let status = try await client.status(first.id)
            let attempts = try #require(status.history?.attempts)
            #expect(attempts.map(\.outcome) == [.deferred, .sent])
            #expect(attempts.map(\.provider) == ["relay-a", "relay-b"])
            #expect(attempts.map(\.durationMilliseconds) == [120, 80])
            #expect(attempts.map(\.recipients) == [greylisted, accepted])
            #expect(attempts[0].error == DeliveryFailure(code: .smtpTemporary, text: "451 4.7.1 greylisted"))

            let bare = try #require(try await client.status(second.id).history?.attempts)
            #expect(bare.count == 1)
            #expect(bare.first?.outcome == .sent && bare.first?.provider == nil && bare.first?.durationMilliseconds == nil)

            let listed = try await client.list(state: .sent)
            #expect(Set(listed.map(\.id)) == [first.id, second.id])
            #expect(listed.allSatisfy { $0.history == nil }, "LIST lines leave the history out")
            try await client.close()

            let printed = try await CommandLineTests.mailtime(["status", second.id] + CommandLineTests.connectionFlags(broker))
            #expect(printed.status == 0, "\(printed.stderr)")
            let line = try #require(printed.stdout.split(separator: "\n").first { $0.hasPrefix("history:") }, "\(printed.stdout)")
            #expect(line.hasSuffix("  sent  -  -"), "no provider, no duration: \(printed.stdout)")
        }
    }
}
