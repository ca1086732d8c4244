import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Synchronization
import Testing

/// `mailtimed` killed with SIGKILL in the middle of a stream of emails and started again on the same
/// data directory: every email that got an OK is delivered (at least once).
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct CrashRecoveryTests {
    @Test func everyAcknowledgedEmailIsDeliveredAfterSIGKILL() async throws {
        let total = 5000
        let producers = 16
        let dumps = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-e2e-dumps")
        defer { try? FileManager.default.removeItem(at: dumps) }
        // smtp-sink drops its privileges (to nobody when the tests run as root) before it writes the dumps.
        chmod(dumps.path, 0o777)
        let sink = try await SMTPSink.start(arguments: ["-d", dumps.path + "/m."])
        defer { sink.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("sink", port: sink.port),
            // Leases held by the killed broker run out soon after the restart.
            "--lease-visibility-seconds", "2",
            "--retry-min-delay-seconds", "1", "--retry-max-delay-seconds", "1",
            "--circuit-cool-down-ms", "200",
            "--log-level", "notice",
        ])
        defer { broker.stop() }
        let run = UUID().uuidString.prefix(8).lowercased()
        let clock = ContinuousClock()
        let started = clock.now

        let stream = EmailStream(total: total)
        let sending = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<producers {
                    group.addTask { try await stream.produce(run: run, through: broker) }
                }
                try await group.waitForAll()
            }
        }
        defer { sending.cancel() }

        try await waitUntil("half the emails to be acknowledged", timeout: .seconds(30)) {
            stream.acknowledgedCount >= total / 2
        }
        try await broker.kill()
        let acknowledgedAtKill = stream.acknowledgedCount
        let deliveredAtKill = try sink.deliveredCount()
        try await broker.restart()
        try await sending.value
        let acknowledged = stream.acknowledged
        let sendTime = clock.now - started
        #expect(acknowledged.count == total)
        #expect(Set(acknowledged.values).count == total, "a SEND repeated with its idempotency key got the first one's id")

        let client = try await broker.connect()
        try await waitUntil("every email to be sent", timeout: .seconds(40), state: { await Self.describe(client, sink) }) {
            try await client.stats().counts[.sent] == total
        }
        let delivered = try Self.messageIDs(in: dumps)
        let counts = Dictionary(delivered.map { ($0, 1) }, uniquingKeysWith: +)
        let lost = acknowledged.keys.filter { counts[Email.endToEndMessageID($0, run: run)] == nil }.sorted()
        let duplicates = delivered.count - counts.count
        let foreign = Set(counts.keys).subtracting(acknowledged.keys.map { Email.endToEndMessageID($0, run: run) })

        #expect(lost.isEmpty, "\(lost.count) acknowledged email(s) were never delivered, e.g. \(lost.prefix(10))")
        #expect(foreign.isEmpty, "the sink got emails nobody sent: \(foreign.prefix(10))")
        #expect(try sink.deliveredCount() == delivered.count, "one dump per message the sink counted")
        let stats = try await client.stats()
        #expect(stats.counts[.failed] == 0 && stats.counts[.ready] == 0 && stats.counts[.leased] == 0)
        print(
            """
            crash recovery: \(total) emails acknowledged (\(acknowledgedAtKill) before the SIGKILL, \(stream.interruptedSends) SENDs \
            repeated after it), \(deliveredAtKill) delivered before the kill; \(delivered.count) delivered, \(counts.count) distinct, \
            \(lost.count) lost, \(duplicates) duplicate(s); sending took \(sendTime), all delivered after \(clock.now - started)
            """
        )
        try await client.close()
    }

    /// The queue's counts and the sink's state, for a failure message.
    private static func describe(_ client: MailTimeClient, _ sink: SMTPSink) async -> String {
        let stats = (try? await client.stats().json) ?? "(no STATS)"
        let failed = (try? await client.list(state: .failed, limit: 1))?.first?.json
        return "STATS \(stats); first failed: \(failed ?? "none"); smtp-sink: \(sink.diagnostics())"
    }

    /// The Message-ID of every message smtp-sink dumped (one file each), one entry per message.
    private static func messageIDs(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).map { name in
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let line = text.split(separator: "\n").first { $0.lowercased().hasPrefix("message-id:") }
            guard let line else { throw ChildProcess.Failure("a dumped message has no Message-ID: \(name)") }
            return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// The numbered emails of the crash test, handed out to concurrent producers, and the ids they got.
private final class EmailStream: Sendable {
    let total: Int
    private let next = Mutex(0)
    private let acknowledgements = Mutex<[Int: String]>([:])
    private let interruptions = Atomic<Int>(0)

    init(total: Int) {
        self.total = total
    }

    /// Email number → the job id its SEND was acknowledged with.
    var acknowledged: [Int: String] { acknowledgements.withLock { $0 } }
    var acknowledgedCount: Int { acknowledgements.withLock { $0.count } }
    /// SENDs that got no reply (the broker was killed) and were repeated.
    var interruptedSends: Int { interruptions.load(ordering: .relaxed) }

    /// Sends emails one at a time until every email was handed out; when the broker goes away it
    /// reconnects and repeats the SEND (the idempotency key makes that safe).
    func produce(run: String, through broker: BrokerProcess) async throws {
        var client: MailTimeClient?
        while let number = next.withLock({ next -> Int? in
            defer { next += 1 }
            return next < total ? next : nil
        }) {
            let email = try Email.numbered(number, run: run)
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                do {
                    let connected: MailTimeClient
                    if let client {
                        connected = client
                    } else {
                        connected = try await broker.connect()
                        client = connected
                    }
                    let id = try await connected.send(email).id
                    acknowledgements.withLock { $0[number] = id }
                    break
                } catch {
                    guard ContinuousClock.now < deadline else { throw error }
                    if client != nil {
                        interruptions.add(1, ordering: .relaxed)
                        client = nil
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        try await client?.close()
    }
}
