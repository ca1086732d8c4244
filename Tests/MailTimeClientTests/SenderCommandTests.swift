import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTLS
import MailTimeTestSupport
import Testing

/// `mailtime sender`, the built binary, leasing from an in-process broker with no embedded senders
/// and delivering to real SMTP servers (Postfix's smtp-sink, aiosmtpd) on loopback.
@Suite("mailtime sender", .tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct SenderCommandTests {
    /// Starts `mailtime sender` against `broker`, delivering to the plain-text SMTP server on `smtpPort`.
    static func startSender(_ broker: TestBroker, smtpPort: Int, _ options: [String] = []) throws -> ChildProcess {
        try ChildProcess.launch(
            CommandLineTests.mailtimeBinary().path,
            arguments: ["sender", "--host", "127.0.0.1"] + CommandLineTests.connectionFlags(broker)
                + ["--provider", "name=test;host=127.0.0.1;port=\(smtpPort);tls=none"] + options
        )
    }

    /// Starts `mailtime sender` against the `mailtimed` process `broker`, pinning its certificate by fingerprint.
    static func startSender(_ broker: BrokerProcess, smtpPort: Int, _ options: [String] = []) throws -> ChildProcess {
        let certificate = try String(contentsOf: broker.dataDirectory.appendingPathComponent("tls/certificate.pem"), encoding: .utf8)
        return try ChildProcess.launch(
            CommandLineTests.mailtimeBinary().path,
            arguments: [
                "sender", "--host", "127.0.0.1", "--port", "\(try broker.port)", "--token", try broker.adminToken,
                "--fingerprint", try TLSFingerprint(certificatePEM: certificate).description,
                "--provider", "name=test;host=127.0.0.1;port=\(smtpPort);tls=none",
            ] + options
        )
    }

    /// Queues `count` one-recipient emails and returns their ids.
    static func sendEmails(_ count: Int, with client: MailTimeClient) async throws -> [String] {
        var ids: [String] = []
        for number in 0..<count {
            ids.append(try await client.send(sampleEmail(number)).id)
        }
        return ids
    }

    /// The ids of the emails in `state` (up to 1000).
    static func ids(in state: JobState, client: MailTimeClient) async throws -> Set<String> {
        Set(try await client.list(state: state, limit: 1000).map(\.id))
    }

    /// Asks `condition` every `interval` until it holds (true) or `timeout` passes (false).
    static func eventually(timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: interval)
        }
    }

    /// Waits until every email in `ids` is sent; throws after `timeout`, with the sender's stderr.
    static func waitUntilSent(_ ids: [String], client: MailTimeClient, sender: ChildProcess, timeout: Duration) async throws {
        var sent: Set<String> = []
        let done = try await eventually(timeout: timeout) {
            sent = try await Self.ids(in: .sent, client: client)
            return sent.isSuperset(of: ids)
        }
        guard done else {
            throw TestFailure(
                "\(ids.count - sent.intersection(ids).count) of \(ids.count) emails are not sent after \(timeout); \(sender.diagnostics())")
        }
    }

    /// Sends `signal` to the process, waits until it exits, and returns its exit status and what it
    /// logged; throws after `timeout`. Its watchdog is stopped at once: one that outlived its program
    /// long could signal a process that took over the program's pid.
    static func stop(_ process: ChildProcess, with signal: Int32, timeout: Duration) async throws -> (status: Int32, log: String) {
        kill(process.processIdentifier, signal)
        let exited = try await ChildProcess.poll(timeout: timeout) { !process.isRunning }
        let log = process.diagnostics()
        process.terminate()
        guard exited, let status = process.exitStatus else {
            throw TestFailure("the process did not exit within \(timeout): \(log)")
        }
        return (status, log)
    }

    @Test func deliversEveryEmailAndExitsOnSIGTERM() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let ids = try await Self.sendEmails(30, with: client)
            let sender = try Self.startSender(broker, smtpPort: sink.port)
            defer { sender.terminate() }

            try await Self.waitUntilSent(ids, client: client, sender: sender, timeout: .seconds(30))
            #expect(try sink.deliveredCount() == 30)
            for id in ids {
                #expect(try await client.status(id).state == .sent)
            }

            let stopped = try await Self.stop(sender, with: SIGTERM, timeout: .seconds(10))
            #expect(stopped.status == 0, "\(stopped.log)")
            #expect(try sink.deliveredCount() == 30)
            try await client.close()
        }
    }

    @Test func renewsItsLeasesAndFinishesTheSendsInFlightOnSIGTERM() async throws {
        // Each send waits 5 s for the DATA reply: longer than the 2 s leases, renewed every 2/3 s.
        let sink = try await SMTPSink.start(arguments: ["-p", "-w", "5"])
        defer { sink.stop() }
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let ids = try await Self.sendEmails(4, with: client)
            let sender = try Self.startSender(broker, smtpPort: sink.port, ["--concurrency", "4", "--visibility-seconds", "2"])
            defer { sender.terminate() }

            let leasedAll = try await Self.eventually(timeout: .seconds(15), interval: .milliseconds(20)) {
                try await Self.ids(in: .leased, client: client).count == 4
            }
            #expect(leasedAll, "\(sender.diagnostics())")
            let firstDeadlines = Dictionary(
                uniqueKeysWithValues: try await client.list(state: .leased).map { ($0.id, $0.lease?.deadline ?? .max) }
            )
            try await Task.sleep(for: .milliseconds(2500))
            let renewed = try await client.list(state: .leased)
            #expect(renewed.count == 4, "the leases were not renewed: \(sender.diagnostics())")
            #expect(renewed.allSatisfy { ($0.lease?.deadline ?? 0) > firstDeadlines[$0.id] ?? .max })
            #expect(try sink.deliveredCount() == 0)

            let stopped = try await Self.stop(sender, with: SIGTERM, timeout: .seconds(15))
            #expect(stopped.status == 0, "\(stopped.log)")
            #expect(try await Self.ids(in: .sent, client: client) == Set(ids), "\(stopped.log)")
            #expect(try sink.deliveredCount() == 4)
            try await client.close()
        }
    }

    @Test func aKilledSendersEmailsAreDeliveredByTheNextSender() async throws {
        let sink = try await SMTPSink.start(arguments: ["-p", "-w", "1"])
        defer { sink.stop() }
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let ids = try await Self.sendEmails(12, with: client)
            let options = ["--concurrency", "4", "--visibility-seconds", "3"]
            let first = try Self.startSender(broker, smtpPort: sink.port, options)
            defer { first.terminate() }

            // The first four sends are done; the next four are waiting for their DATA reply.
            try await sink.waitForDelivered(count: 4, timeout: .seconds(15))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await Self.stop(first, with: SIGKILL, timeout: .seconds(5)).status == 128 + SIGKILL)
            let abandoned = try await Self.ids(in: .leased, client: client)
            #expect(!abandoned.isEmpty, "the sender was killed while holding no lease")

            let second = try Self.startSender(broker, smtpPort: sink.port, options)
            defer { second.terminate() }
            try await Self.waitUntilSent(ids, client: client, sender: second, timeout: .seconds(30))
            for id in ids {
                #expect(try await client.status(id).state == .sent)
            }
            let delivered = try sink.deliveredCount()
            #expect(delivered >= ids.count)
            print("mailtime sender: killed holding \(abandoned.count) lease(s); \(delivered - ids.count) of \(ids.count) emails delivered twice")
            try await client.close()
        }
    }

    @Test(.tags(.slow), .unlessSkipped(.slow))
    func keepsTheOutcomesItCouldNotReportWhileTheBrokerIsKilledAndRestarted() async throws {
        // The broker is started again once the four sends have been delivered, well inside the 20 s leases.
        try await Self.killTheBrokerWithFourSendsInFlight(visibilitySeconds: 20) { broker, port, sink, sender, ids in
            // The four sends finish while the broker is away: their outcomes cannot be reported.
            try await sink.waitForDelivered(count: 4, timeout: .seconds(15))
            try await Task.sleep(for: .milliseconds(500))
            try await broker.restart(port: port)

            let client = try await broker.connect()
            try await Self.waitUntilSent(ids, client: client, sender: sender, timeout: .seconds(60))
            for id in ids {
                #expect(try await client.status(id).state == .sent)
            }
            #expect(try sink.deliveredCount() == ids.count, "an email was delivered twice: \(sender.diagnostics())")
            #expect(
                sender.standardError().contains("reported an outcome kept while the broker was unreachable"), "\(sender.diagnostics())")
            try await client.close()
        }
    }

    @Test(.tags(.slow), .unlessSkipped(.slow))
    func dropsAnOutcomeAtItsLeasesDeadlineAndSaysTheEmailGoesOutAgain() async throws {
        // The 6 s leases cannot be renewed while the broker is away, and it stays away past their deadline:
        // the four outcomes are dropped, and those emails are sent twice.
        try await Self.killTheBrokerWithFourSendsInFlight(visibilitySeconds: 6) { broker, port, sink, sender, ids in
            let dropped = "the broker was unreachable until the lease's deadline; the broker will hand the email out again"
            let droppedAll = try await Self.eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                sender.standardError().components(separatedBy: dropped).count - 1 == 4
            }
            #expect(droppedAll, "\(sender.diagnostics())")
            try await broker.restart(port: port)

            let client = try await broker.connect()
            try await Self.waitUntilSent(ids, client: client, sender: sender, timeout: .seconds(60))
            #expect(try sink.deliveredCount() == ids.count + 4)
            #expect(!sender.standardError().contains("reported an outcome kept while the broker was unreachable"))
            try await client.close()
        }
    }

    /// Twelve emails, a remote sender with four sends in flight (each waits 2 s for its DATA reply) and
    /// leases of `visibilitySeconds`, and the broker killed (SIGKILL) meanwhile; `body` goes on from there.
    private static func killTheBrokerWithFourSendsInFlight(
        visibilitySeconds: Int,
        _ body: (_ broker: BrokerProcess, _ port: Int, _ sink: SMTPSink, _ sender: ChildProcess, _ ids: [String]) async throws -> Void
    ) async throws {
        let sink = try await SMTPSink.start(arguments: ["-p", "-w", "2"])
        defer { sink.stop() }
        let broker = try await BrokerProcess.start(["--senders", "0"])
        defer { broker.stop() }
        let port = try broker.port
        let client = try await broker.connect()
        let ids = try await Self.sendEmails(12, with: client)
        let sender = try Self.startSender(
            broker, smtpPort: sink.port, ["--concurrency", "4", "--visibility-seconds", "\(visibilitySeconds)"])
        defer { sender.terminate() }

        let inFlight = try await Self.eventually(timeout: .seconds(15), interval: .milliseconds(20)) {
            try await Self.ids(in: .leased, client: client).count == 4
        }
        #expect(inFlight, "\(sender.diagnostics())")
        try await client.close()
        try await broker.kill()
        try await body(broker, port, sink, sender, ids)
    }

    @Test func sendsOnlyToTheRecipientsEarlierAttemptsDidNotSettle() async throws {
        let server = try await AiosmtpdServer.start()
        defer { server.stop() }
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let email = Email(
                from: try EmailAddress("app@example.com"),
                to: try ["ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com"].map { try EmailAddress($0) },
                subject: "Hello",
                text: "Hello, all."
            )
            let id = try await client.send(email).id

            // A first attempt, reported by hand: Ann accepted, Bob deferred, Cy refused for good,
            // Dee refused by policy (which another attempt may not repeat).
            let first = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(first.settledRecipients.isEmpty)
            let state = try await client.retry(
                id: id,
                token: first.token,
                error: DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later", provider: "test"),
                results: [
                    RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "2.1.5 OK"),
                    RecipientResult(address: "bob@example.com", accepted: false, code: 451, reply: "4.3.0 try later"),
                    RecipientResult(address: "cy@example.com", accepted: false, code: 550, reply: "5.1.1 no such user"),
                    RecipientResult(address: "dee@example.com", accepted: false, code: 550, reply: "5.7.1 refused by policy"),
                ],
                delayMilliseconds: 0
            )
            #expect(state == .ready)

            // The next lease says who is settled; put the email back for the sender.
            let second = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(second.attempts == 2)
            #expect(second.settledRecipients == ["ann@example.com", "cy@example.com"])
            _ = try await client.retry(
                id: id, token: second.token, error: DeliveryFailure(code: DeliveryFailure.Code("HANDED_OVER"), text: "for the sender"),
                delayMilliseconds: 0)

            let sender = try Self.startSender(broker, smtpPort: server.port)
            defer { sender.terminate() }
            try await Self.waitUntilSent([id], client: client, sender: sender, timeout: .seconds(15))
            let messages = try server.receivedMessages()
            #expect(messages.count == 1)
            #expect(messages.first?.recipients == ["bob@example.com", "dee@example.com"])
            let status = try await client.status(id)
            #expect(status.attempts == 3)
            #expect(Set(status.recipients.filter(\.accepted).map(\.address)) == ["ann@example.com", "bob@example.com", "dee@example.com"])
            try await client.close()
        }
    }
}
