import Logging
import MailTimeDelivery
import MailTimeMessage
import MailTimeTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// `SenderService` in a `ServiceGroup`: graceful shutdown stops leasing and lets the send in hand
/// finish and be reported; past the group's maximum graceful shutdown duration the send is cancelled.
@Suite struct SenderServiceTests {
    /// Hands out one email, then none; once told to stop leasing, ends the workers' loops.
    final class OneJobSource: JobSource {
        private let state = Mutex((handedOut: false, leasing: true, reports: [String]()))

        var reports: [String] { state.withLock { $0.reports } }
        var isLeasing: Bool { state.withLock { $0.leasing } }

        func stopLeasing() {
            state.withLock { $0.leasing = false }
        }

        func lease(maximum: Int) async throws -> [DeliveryJob] {
            let handOut = try state.withLock { state in
                guard state.leasing else { throw CancellationError() }
                defer { state.handedOut = true }
                return !state.handedOut
            }
            guard handOut else { return [] }
            let email = #"{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"Hello."}"#
            return [DeliveryJob(id: "job-1", token: 1, attempt: 1, pinnedProvider: nil, payload: Array(email.utf8), settledRecipients: [])]
        }

        func report(_ report: AttemptReport, for job: DeliveryJob) async throws {
            state.withLock { $0.reports.append(job.id) }
        }

        func renew(_ job: DeliveryJob) async throws -> Bool { false }

        func waitForWork() async {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Announces each send, then takes `duration` (or until cancelled).
    struct SlowDeliverer: MailDeliverer {
        let duration: Duration
        let started: AsyncStream<Void>.Continuation
        var name: String { "slow" }

        func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
            started.yield()
            try? await Task.sleep(for: duration)
            return .sent([])
        }
    }

    private func run(
        sendTaking duration: Duration,
        maximumGracefulShutdownDuration: Duration
    ) async throws -> (source: OneJobSource, stoppedAfter: Duration) {
        let source = OneJobSource()
        let (started, startedSink) = AsyncStream.makeStream(of: Void.self)
        let worker = SenderWorker(
            source: source, deliverer: SlowDeliverer(duration: duration, started: startedSink), composer: MessageComposer(),
            renewalInterval: .seconds(10), logger: .quiet
        )
        let service = SenderService(workers: [worker], router: nil, stopLeasing: source.stopLeasing, logger: .quiet)
        var configuration = ServiceGroupConfiguration(services: [service], logger: .quiet)
        configuration.maximumGracefulShutdownDuration = maximumGracefulShutdownDuration
        let group = ServiceGroup(configuration: configuration)
        let running = Task { try await group.run() }
        for await _ in started { break }
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        return (source, ContinuousClock.now - stopping)
    }

    @Test func gracefulShutdownStopsLeasingAndFinishesTheSendInHand() async throws {
        let (source, stoppedAfter) = try await run(sendTaking: .milliseconds(300), maximumGracefulShutdownDuration: .seconds(30))
        #expect(!source.isLeasing)
        #expect(source.reports == ["job-1"])
        #expect(stoppedAfter >= .milliseconds(200), "the service waited for the send")
    }

    @Test func aSendPastTheMaximumGracefulShutdownDurationIsCancelled() async throws {
        let (source, stoppedAfter) = try await run(sendTaking: .seconds(60), maximumGracefulShutdownDuration: .milliseconds(200))
        #expect(!source.isLeasing)
        // The send takes 60 s: well under that, it was cancelled, even on a busy machine.
        #expect(stoppedAfter < .seconds(30), "the send was cancelled, not waited for")
    }
}
