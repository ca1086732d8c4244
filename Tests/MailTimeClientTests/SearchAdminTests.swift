import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

@Suite("Search and bulk commands", .timeLimit(.minutes(2)))
struct SearchAdminTests {
    /// An email to `to` with `tags`.
    private func email(to: String, tags: [String]) throws -> Email {
        Email(from: try EmailAddress("app@example.com"), to: [try EmailAddress(to)], subject: "Hi", text: "Hello.", tags: tags)
    }

    @Test func theClientListsByConditionsAndActsInBulk() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            var promo: [String] = []
            for number in 0..<4 { promo.append(try await client.send(try email(to: "user\(number)@promo.example", tags: ["promo"])).id) }
            let other = try await client.send(try email(to: "ann@example.org", tags: []))
            let leased = try await client.lease(max: 2, visibilitySeconds: 60)
            for job in leased {
                try await client.fail(id: job.id, token: job.token, error: DeliveryFailure(code: .smtpPermanent, text: "550 no", provider: "relay"))
            }

            #expect(try await client.list(EmailFilter(tag: "promo")).map(\.id) == promo)
            #expect(try await client.list(EmailFilter(domain: "PROMO.example"), after: promo[1], limit: 1).map(\.id) == [promo[2]])
            #expect(
                try await client.list(EmailFilter(state: .failed, provider: "relay", errorCode: "SMTP_PERMANENT")).map(\.id) == Array(promo.prefix(2))
            )
            #expect(try await client.list(EmailFilter()).count == 5)

            #expect(try await client.requeue(where: EmailFilter(provider: "relay")) == 2)
            #expect(try await client.cancel(where: EmailFilter(tag: "promo")) == 4)
            #expect(try await client.purge(where: EmailFilter(state: .cancelled, domain: "promo.example")) == 4)
            #expect(try await client.list(EmailFilter(tag: "promo")).isEmpty)
            #expect(try await client.status(other.id).state == .ready)
            #expect(await clientError { _ = try await client.purge(where: EmailFilter()) }?.code == .invalidRequest)
            #expect(await clientError { _ = try await client.list(EmailFilter(tag: "two words")) }?.code == .invalidRequest)
            #expect(await clientError { try await client.pauseProvider("relay") }?.code == .notFound)
            try await client.close()
        }
    }

    @Test func theCommandLineListsByConditionsAndActsInBulk() async throws {
        try await TestBroker.run { broker in
            let flags = try CommandLineTests.connectionFlags(broker)
            let client = try await broker.connect()
            let tagged = try await client.send(try email(to: "bob@corp.example", tags: ["invoice"])).id
            _ = try await client.send(try email(to: "carl@example.org", tags: []))
            try await client.close()

            let listed = try await CommandLineTests.mailtime(["list", "--tag", "invoice", "--domain", "corp.example"] + flags)
            #expect(listed.stdout == "\(tagged)  ready  attempts=0  -\n", "\(listed.stderr)")
            let byState = try await CommandLineTests.mailtime(["list", "ready", "--where", "recipient=BOB@corp.example"] + flags)
            #expect(byState.stdout == listed.stdout, "\(byState.stderr)")
            let cancelled = try await CommandLineTests.mailtime(["cancel", "--tag", "invoice"] + flags)
            #expect(cancelled.stdout == "1\n", "\(cancelled.stderr)")
            let requeued = try await CommandLineTests.mailtime(["requeue", "--where", "tag=invoice"] + flags)
            #expect(requeued.stdout == "1\n", "\(requeued.stderr)")
            let purged = try await CommandLineTests.mailtime(["purge", "--state", "ready", "--tag", "invoice"] + flags)
            #expect(purged.status == 1, "a purge of ready emails is refused: \(purged.stdout)")
            #expect(purged.stderr.contains("INVALID_ARGUMENT"), "\(purged.stderr)")
            let usage = try await CommandLineTests.mailtime(["purge"] + flags)
            #expect(usage.status == 64)
            let pause = try await CommandLineTests.mailtime(["pause", "--provider", "nobody"] + flags)
            #expect(pause.status == 1 && pause.stderr.contains("NOT_FOUND"), "\(pause.stderr)")
        }
    }
}
