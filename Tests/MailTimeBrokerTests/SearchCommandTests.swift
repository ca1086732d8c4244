import Logging
import MailTimeDelivery
import MailTimeModel
import MailTimeProtocol
import MailTimeQueue
import MailTimeSMTP
import Testing

@testable import MailTimeBroker

/// `LIST key=value …`, the bulk commands and `PAUSE PROVIDER` / `RESUME PROVIDER` through the executor, against a real queue.
@Suite struct SearchCommandTests {
    static func email(to: String, from: String = "app@example.com", tags: [String] = []) -> String {
        let tagList = tags.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"from":"\#(from)","to":"\#(to)","subject":"Hi","text":"Hello","tags":[\#(tagList)]}"#
    }

    /// The ids of a `LIST` reply's `JOB` lines.
    static func ids(_ reply: BrokerReply) throws -> [String] {
        try reply.dataLines.map { line in
            let status = try JobStatus(jsonText: line.text.dropFirst(4))
            return status.id
        }
    }

    @Test func listFindsEmailsByEachCondition() async throws {
        try await CommandFixture.run { fixture in
            let ann = try await fixture.send(Self.email(to: "Ann@Example.org", tags: ["welcome"]))
            let bob = try await fixture.send(Self.email(to: "bob@corp.example", from: "billing@example.com", tags: ["invoice"]))
            let carl = try await fixture.send(Self.email(to: "carl@example.org", tags: ["welcome"]))
            let leased = try await fixture.queue.lease(maximum: 3, visibility: .seconds(60), owner: "w")
            let carlLease = try #require(leased.first { $0.job.id == carl })
            try await fixture.queue.fail(carl, token: carlLease.token, error: DeliveryFailure(code: .smtpPermanent, text: "550", provider: "relay-2"))

            #expect(try Self.ids(try await fixture.reply("LIST recipient=ann@example.org")) == ["\(ann)"])
            #expect(try Self.ids(try await fixture.reply("LIST domain=example.org")) == ["\(ann)", "\(carl)"])
            #expect(try Self.ids(try await fixture.reply("LIST sender=billing@example.com")) == ["\(bob)"])
            #expect(try Self.ids(try await fixture.reply("LIST tag=welcome")) == ["\(ann)", "\(carl)"])
            #expect(try Self.ids(try await fixture.reply("LIST provider=relay-2")) == ["\(carl)"])
            #expect(try Self.ids(try await fixture.reply("LIST error-code=SMTP_PERMANENT state=failed")) == ["\(carl)"])
            #expect(try Self.ids(try await fixture.reply("LIST tag=welcome state=leased")) == ["\(ann)"])
            #expect(try Self.ids(try await fixture.reply("LIST tag=welcome after=\(ann)")) == ["\(carl)"])
            #expect(try Self.ids(try await fixture.reply("LIST limit=2")) == ["\(ann)", "\(bob)"])
            let created = ann.timestamp.millisecondsSince1970
            #expect(try Self.ids(try await fixture.reply("LIST created-from=\(created) created-to=\(created + 3_600_000)")).count == 3)
            #expect(try await fixture.reply("LIST created-to=\(created)").line == "OK 0")
            // The positional form answers as before.
            #expect(try Self.ids(try await fixture.reply("LIST failed")) == ["\(carl)"])
            #expect(CommandFixture.errorCode(try await fixture.reply("LIST colour=red")) == "BAD_ARGUMENTS")
        }
    }

    @Test func bulkCommandsReplyWithTheCount() async throws {
        try await CommandFixture.run { fixture in
            for index in 0..<30 { _ = try await fixture.send(Self.email(to: "user\(index)@promo.example", tags: ["promo"])) }
            let keep = try await fixture.send(Self.email(to: "keep@example.org"))
            #expect(try await fixture.reply("CANCEL WHERE tag=promo").line == "OK 30")
            #expect(try await fixture.job(keep).state == .ready)
            #expect(try await fixture.reply("REQUEUE WHERE domain=promo.example state=cancelled").line == "OK 30")
            #expect(try await fixture.reply("CANCEL WHERE tag=promo").line == "OK 30")
            #expect(try await fixture.reply("PURGE WHERE state=cancelled").line == "OK 30")
            #expect(try await fixture.reply("LIST tag=promo").line == "OK 0")
            #expect(try await fixture.reply("PURGE WHERE tag=promo").line == "OK 0")
            #expect(CommandFixture.errorCode(try await fixture.reply("PURGE WHERE state=ready")) == "INVALID_ARGUMENT")
            #expect(CommandFixture.errorCode(try await fixture.reply("REQUEUE WHERE")) == "BAD_ARGUMENTS")
            #expect(try await fixture.job(keep).state == .ready)
        }
    }

    @Test func oneProviderIsPausedAndResumedByName() async throws {
        try await CommandFixture.run { fixture in
            #expect(CommandFixture.errorCode(try await fixture.reply("PAUSE PROVIDER relay")) == "NOT_FOUND")
            let router = try ProviderRouter(
                providers: [
                    ProviderConfiguration(name: "relay", smtp: SMTPClientConfiguration(host: "127.0.0.1", port: 9, tlsPolicy: .none)),
                    ProviderConfiguration(name: "backup", smtp: SMTPClientConfiguration(host: "127.0.0.1", port: 9, tlsPolicy: .none)),
                ],
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            fixture.control.attach(router)
            #expect(try await fixture.reply("PAUSE PROVIDER relay").line == "OK PAUSED")
            var stats = try BrokerStats(jsonText: try await fixture.reply("STATS").line.dropFirst(3))
            #expect(stats.providers.map(\.isPaused) == [true, false])
            #expect(try await fixture.reply("RESUME PROVIDER relay").line == "OK RESUMED")
            stats = try BrokerStats(jsonText: try await fixture.reply("STATS").line.dropFirst(3))
            #expect(stats.providers.map(\.isPaused) == [false, false])
            #expect(CommandFixture.errorCode(try await fixture.reply("RESUME PROVIDER nobody")) == "NOT_FOUND")
            // Pausing one provider leaves the senders as a whole running.
            #expect(!fixture.control.isPaused)
            await router.shutdown()
        }
    }
}
