import MailTimeModel
import MailTimeProtocol
import NIOCore
import Testing

@Suite struct BrokerCommandFilterTests {
    private let id = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59"

    @Test func listTakesConditionsPagingAndLimit() throws {
        #expect(try BrokerCommand(line: "LIST") == .search(filter: EmailFilter(), after: nil, limit: 100))
        #expect(
            try BrokerCommand(line: "LIST recipient=Ann@Example.com error-code=SMTP_TEMPORARY limit=5 after=\(id)")
                == .search(filter: EmailFilter(recipient: "Ann@Example.com", errorCode: "SMTP_TEMPORARY"), after: id, limit: 5)
        )
        let every =
            "state=failed recipient=a@b.c domain=b.c sender=s@b.c tag=x=y provider=relay-1 error-code=E created-from=0 created-to=1764400000000"
        let filter = EmailFilter(
            state: .failed, recipient: "a@b.c", domain: "b.c", sender: "s@b.c", tag: "x=y", provider: "relay-1", errorCode: "E",
            createdFrom: 0, createdTo: 1_764_400_000_000
        )
        #expect(try BrokerCommand(line: "list " + every) == .search(filter: filter, after: nil, limit: 100))
        #expect(filter.arguments.joined(separator: " ") == every)
        // The positional form still works.
        #expect(try BrokerCommand(line: "LIST ready - 3") == .list(state: .ready, after: nil, limit: 3))
        #expect(try BrokerCommand(line: "LIST").name == "LIST")
    }

    @Test func bulkCommandsTakeWhereAndConditions() throws {
        #expect(
            try BrokerCommand(line: "REQUEUE WHERE error-code=SMTP_PERMANENT") == .bulk(.requeue, filter: EmailFilter(errorCode: "SMTP_PERMANENT")))
        #expect(
            try BrokerCommand(line: "cancel WHERE tag=promo state=scheduled") == .bulk(.cancel, filter: EmailFilter(state: .scheduled, tag: "promo")))
        #expect(try BrokerCommand(line: "PURGE WHERE domain=example.com") == .bulk(.purge, filter: EmailFilter(domain: "example.com")))
        #expect(try BrokerCommand(line: "PURGE WHERE domain=example.com").name == "PURGE")
        // The single-email forms are unchanged.
        #expect(try BrokerCommand(line: "CANCEL \(id)") == .cancel(id: id))
        #expect(try BrokerCommand(line: "REQUEUE FAILED") == .requeue(target: .allFailed))
    }

    @Test func pauseAndResumeTakeAProvider() throws {
        #expect(try BrokerCommand(line: "PAUSE PROVIDER relay-1") == .pauseProvider(name: "relay-1"))
        #expect(try BrokerCommand(line: "resume PROVIDER relay-1") == .resumeProvider(name: "relay-1"))
        #expect(try BrokerCommand(line: "PAUSE") == .pause)
    }

    @Test func onlyAdminsSearchAndActInBulk() throws {
        let commands: [BrokerCommand] = [
            .search(filter: EmailFilter(), after: nil, limit: 1), .bulk(.cancel, filter: EmailFilter(tag: "x")),
            .bulk(.purge, filter: EmailFilter(tag: "x")),
            .pauseProvider(name: "a"), .resumeProvider(name: "a"),
        ]
        for command in commands {
            #expect(BrokerRole.admin.permits(command))
            #expect(!BrokerRole.producer.permits(command))
            #expect(!BrokerRole.worker.permits(command))
        }
        #expect(BrokerRole.producer.permits(.cancel(id: id)))
    }

    @Test(arguments: [
        ("LIST colour=red", ProtocolError.Code.badArguments),
        ("LIST tag=a tag=b", .badArguments),
        ("LIST tag=", .badArguments),
        ("LIST =x", .badArguments),
        ("LIST tag=a ready", .badArguments),
        ("LIST state=READY", .badArguments),
        ("LIST created-from=-1", .badArguments),
        ("LIST created-to=01", .badArguments),
        ("LIST created-from=99999999999999999999", .badArguments),
        ("LIST after=0193A3C4-2F1E-7CC0-8A9E-6F1D2C3B4A59", .badArguments),
        ("LIST limit=0", .invalidArgument),
        ("LIST limit=1001", .invalidArgument),
        ("LIST limit=1 limit=2", .badArguments),
        ("LIST tag=a  domain=b", .badArguments),
        ("REQUEUE WHERE", .badArguments),
        ("REQUEUE where tag=a", .badArguments),
        ("REQUEUE WHERE after=0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59", .badArguments),
        ("CANCEL WHERE limit=5", .badArguments),
        ("PURGE", .badArguments),
        ("PURGE tag=a", .badArguments),
        ("PAUSE PROVIDER", .badArguments),
        ("PAUSE provider relay", .badArguments),
        ("RESUME PROVIDER a b", .badArguments),
    ])
    func refusesMalformedConditions(line: String, code: ProtocolError.Code) {
        do {
            _ = try BrokerCommand(line: line)
            Issue.record("\(line) was accepted")
        } catch {
            #expect(error.code == code, "\(line): \(error)")
        }
    }

    @Test func providerHealthCarriesPaused() throws {
        let health = ProviderHealth(name: "relay", isPaused: true)
        #expect(health.json.contains(#""paused":true"#))
        #expect(try ProviderHealth(jsonText: health.json) == health)
        #expect(try ProviderHealth(jsonText: #"{"name":"old","up":true}"#).isPaused == false)
    }
}
