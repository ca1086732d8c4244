import Logging
import MailTimeDelivery
import MailTimeMessage
import MailTimeModel
import MailTimeSMTP
import MailTimeTestSupport
import Synchronization
import Testing

/// Messages submitted over SMTP, leased and sent by a `SenderWorker`: as they are, with their own
/// envelope, to the recipients not settled yet.
@Suite struct SubmittedMessageDeliveryTests {
    /// Hands out `jobs` once, records the reports, then ends the worker's loop.
    final class OnceSource: JobSource {
        private let state: Mutex<(jobs: [DeliveryJob]?, reports: [(String, AttemptReport)])>
        /// What ``renew(_:)`` says: whether a cancel arrived.
        private let cancelled: Bool

        init(_ jobs: [DeliveryJob], cancelled: Bool = false) {
            state = Mutex((jobs, []))
            self.cancelled = cancelled
        }

        var reports: [(String, DeliveryOutcome)] { state.withLock { $0.reports.map { ($0.0, $0.1.outcome) } } }
        /// The reports with the facts of the attempt history.
        var attempts: [AttemptReport] { state.withLock { $0.reports.map(\.1) } }

        func lease(maximum: Int) async throws -> [DeliveryJob] {
            let jobs = state.withLock { state in
                defer { state.jobs = nil }
                return state.jobs
            }
            guard let jobs else { throw CancellationError() }
            return jobs
        }
        func report(_ report: AttemptReport, for job: DeliveryJob) async throws {
            state.withLock { $0.reports.append((job.id, report)) }
        }
        func renew(_ job: DeliveryJob) async throws -> Bool { cancelled }
        func waitForWork() async {}
    }

    /// Records each request and accepts every recipient.
    final class RecordingDeliverer: MailDeliverer {
        let requests = Mutex<[DeliveryRequest]>([])
        var name: String { "recording" }

        func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
            requests.withLock { $0.append(request) }
            return .sent(request.recipients.map { RecipientResult(address: $0.address, accepted: true, code: 250, reply: "ok") })
        }
    }

    static let text = "From: App <app@example.com>\r\nMessage-ID: <s1@example.com>\r\nSubject: Grüße\r\n\r\n.leading dot\r\nZoë\r\n"

    static func message(sender: String? = nil) throws -> SubmittedMessage {
        SubmittedMessage(
            reversePath: try sender.map { try EmailAddress($0) },
            recipients: try ["ann@example.org", "bob@example.net", "jörg@example.com"].map { try EmailAddress($0) },
            smtpUTF8: true, eightBitMIME: true, message: Array(text.utf8)
        )
    }

    static func job(_ message: SubmittedMessage, settled: Set<String> = []) -> DeliveryJob {
        DeliveryJob(id: "job-1", token: 7, attempt: 2, pinnedProvider: 1, payload: message.storedBytes(), settledRecipients: settled)
    }

    @Test func theWorkerSendsTheStoredMessageToItsUnsettledRecipients() async throws {
        let message = try Self.message()
        let source = OnceSource([Self.job(message, settled: ["bob@example.net"])])
        let deliverer = RecordingDeliverer()
        // A composer with a default sender: it must not touch a submitted message.
        let composer = MessageComposer(defaultFrom: try EmailAddress("default@example.net"))
        await SenderWorker(source: source, deliverer: deliverer, composer: composer, renewalInterval: .seconds(10), logger: .quiet).run()

        let requests = deliverer.requests.withLock { $0 }
        try #require(requests.count == 1)
        guard case .submitted(let sent) = requests[0].content else {
            Issue.record("the request is not a submitted message: \(requests[0].content)")
            return
        }
        #expect(sent == message)
        #expect(requests[0].recipients.map(\.address) == ["ann@example.org", "jörg@example.com"])
        #expect(requests[0].id == "job-1" && requests[0].attempt == 2 && requests[0].pinnedProvider == 1)
        #expect(source.reports.map(\.0) == ["job-1"])
        guard case .sent(let results) = source.reports.first?.1 else {
            Issue.record("not reported sent")
            return
        }
        #expect(results.map(\.address) == ["ann@example.org", "jörg@example.com"])
        #expect(source.attempts.first?.provider == "recording", "the deliverer named no provider of its own: its name")
        #expect(source.attempts.first?.duration != nil, "the worker times the delivery")
    }

    @Test func anUnreadableStoredMessageFailsForGood() async throws {
        var job = Self.job(try Self.message())
        job.payload = Array("MailTime-Submitted/1\r\nrcpt-to <a@example.org>\r\n\r\nx".utf8)
        let source = OnceSource([job])
        let deliverer = RecordingDeliverer()
        await SenderWorker(source: source, deliverer: deliverer, composer: MessageComposer(), renewalInterval: .seconds(10), logger: .quiet).run()
        #expect(deliverer.requests.withLock { $0.isEmpty })
        guard case .fail(let failure, _) = source.reports.first?.1 else {
            Issue.record("not failed")
            return
        }
        #expect(failure.code == .composeFailed)
        #expect(failure.text.hasPrefix("the stored message cannot be read: "))
        #expect(source.attempts.first?.provider == nil && source.attempts.first?.duration == nil, "nothing was sent")
    }

    @Test func aMessageCancelledWhileItWaitedIsNotSent() async throws {
        var job = Self.job(try Self.message())
        job.leasedAt = .now - .seconds(2)
        let source = OnceSource([job], cancelled: true)
        let deliverer = RecordingDeliverer()
        await SenderWorker(source: source, deliverer: deliverer, composer: MessageComposer(), renewalInterval: .seconds(10), logger: .quiet).run()
        #expect(deliverer.requests.withLock { $0.isEmpty })
        guard case .retry(let failure, _, _, _) = source.reports.first?.1 else {
            Issue.record("not reported cancelled")
            return
        }
        #expect(failure.code == .cancelled)
    }

    /// Through a real SMTP server (aiosmtpd): the bytes that arrive are the stored ones, byte for byte;
    /// MAIL FROM is the stored reverse path (`<>` kept), with SMTPUTF8 and BODY=8BITMIME; a provider's
    /// default From changes nothing.
    @Test(.tags(.peer), .unlessSkipped(.peer), arguments: [nil, "bounces@example.com"])
    func theProviderGetsTheMessageAndEnvelopeAsStored(sender: String?) async throws {
        let server = try await AiosmtpdServer.start(AiosmtpdServer.Options(smtpUTF8: true))
        defer { server.stop() }
        var smtp = SMTPClientConfiguration(host: "127.0.0.1", port: server.port, tlsPolicy: .none)
        smtp.timeouts.connect = .seconds(5)
        let router = try ProviderRouter(
            providers: [ProviderConfiguration(name: "aiosmtpd", smtp: smtp, defaultFrom: "default@example.net")], logger: .quiet
        )
        let message = try Self.message(sender: sender)
        let source = OnceSource([Self.job(message, settled: ["ann@example.org"])])
        await SenderWorker(source: source, deliverer: router, composer: MessageComposer(), renewalInterval: .seconds(10), logger: .quiet).run()
        await router.shutdown()

        guard case .sent = source.reports.first?.1 else {
            Issue.record("not sent: \(source.reports)")
            return
        }
        let received = try await server.waitForMessages(count: 1, timeout: .seconds(20))
        #expect(received[0].data == message.message)
        #expect(received[0].mailFrom == (sender ?? ""))
        #expect(received[0].mailOptions.contains("BODY=8BITMIME") && received[0].mailOptions.contains("SMTPUTF8"))
        #expect(received[0].recipients == ["bob@example.net", "jörg@example.com"])
    }
}
