import Logging
import MailTimeClient
import MailTimeDelivery
import Synchronization

/// `mailtime sender`'s ``JobSource``: the broker's worker commands over the protocol (protocol.md,
/// section 5), on connections that are reopened with backoff when lost.
///
/// A lease outlives a lost connection: while the broker cannot be reached, a renewal does not count
/// as losing the lease, and an outcome that cannot be reported is kept and reported once the
/// connection is back, until the lease's deadline. The deadline is counted on this process's clock
/// from the moment the `LEASE` or the last successful `TOUCH` was sent, so it never falls after
/// the broker's. After it the outcome is dropped: the broker hands the email out again.
final class BrokerJobSource: JobSource {
    let clients: MailTimeClientPool
    /// How long a lease lasts, and how far each renewal extends it.
    let visibilitySeconds: Int
    private let logger: Logger
    private let isLeasing = Atomic(true)
    /// When each lease this sender holds ends, by this process's clock.
    private let deadlines = Mutex<[LeaseKey: ContinuousClock.Instant]>([:])

    private struct LeaseKey: Hashable {
        let id: String
        let token: UInt64

        init(_ job: DeliveryJob) {
            id = job.id
            token = job.token
        }
    }

    /// How long an idle sender waits before asking for due emails again.
    static let idlePause: Duration = .milliseconds(200)
    /// How long a report waits before it is tried again while the broker cannot be reached.
    static let reportRetryInterval: Duration = .milliseconds(250)

    init(clients: MailTimeClientPool, visibilitySeconds: Int, logger: Logger) {
        self.clients = clients
        self.visibilitySeconds = visibilitySeconds
        self.logger = logger
    }

    /// Leases nothing more: ``lease(maximum:)`` throws `CancellationError` from now on, which ends
    /// the senders' loops once they finish the email in hand. Reports and renewals go on.
    func stopLeasing() {
        isLeasing.store(false, ordering: .relaxed)
    }

    func lease(maximum: Int) async throws -> [DeliveryJob] {
        guard isLeasing.load(ordering: .relaxed) else { throw CancellationError() }
        let asked = ContinuousClock.now
        let jobs = try await clients.client().lease(max: maximum, visibilitySeconds: visibilitySeconds).map { leased in
            DeliveryJob(
                id: leased.id,
                token: leased.token,
                attempt: leased.attempts,
                pinnedProvider: leased.provider,
                payload: leased.email,
                settledRecipients: Set(leased.settledRecipients)
            )
        }
        let deadline = asked + .seconds(visibilitySeconds)
        deadlines.withLock { deadlines in
            // Leases given up without a report (lost, or abandoned before the send) end here.
            deadlines = deadlines.filter { $0.value > asked }
            for job in jobs { deadlines[LeaseKey(job)] = deadline }
        }
        return jobs
    }

    /// Reports `report`; while the broker cannot be reached, tries again every
    /// ``reportRetryInterval`` until the lease's deadline. Throws ``UnrecordedOutcome`` when the
    /// broker refuses the report or the deadline passes.
    func report(_ report: AttemptReport, for job: DeliveryJob) async throws {
        let key = LeaseKey(job)
        defer { deadlines.withLock { $0[key] = nil } }
        var cutOff = false
        while true {
            let error: MailTimeClientError
            do {
                try await send(report, for: job)
                if cutOff {
                    logger.info("reported an outcome kept while the broker was unreachable", metadata: ["mail.id": "\(job.id)"])
                }
                return
            } catch let caught {
                error = caught
            }
            if Self.isUnreachable(error) {
                guard let deadline = deadlines.withLock({ $0[key] }), ContinuousClock.now + Self.reportRetryInterval < deadline else {
                    throw UnrecordedOutcome(reason: .leaseEnded, mayHaveBeenRecorded: cutOff, error: error)
                }
                if !cutOff {
                    logger.warning(
                        "cannot reach the broker; keeping the outcome to report it once reconnected, until the lease's deadline",
                        metadata: ["mail.id": "\(job.id)", "error": "\(error)"]
                    )
                    cutOff = true
                }
                try await Task.sleep(for: Self.reportRetryInterval)
                continue
            }
            switch error.code {
            case .staleToken: throw UnrecordedOutcome(reason: .leaseNotHeld, mayHaveBeenRecorded: cutOff, error: error)
            case .invalidState: throw UnrecordedOutcome(reason: .emailFinal, mayHaveBeenRecorded: cutOff, error: error)
            default: throw error
            }
        }
    }

    /// Extends the lease. While the broker cannot be reached and the lease's deadline has not
    /// passed, the lease counts as still held (`false`: no cancel known); the next renewal tries again.
    func renew(_ job: DeliveryJob) async throws -> Bool {
        let key = LeaseKey(job)
        let asked = ContinuousClock.now
        let cancelRequested: Bool
        do {
            cancelRequested = try await clients.client().touch(id: job.id, token: job.token, seconds: visibilitySeconds).cancelRequested
        } catch let error {
            let deadline = deadlines.withLock { $0[key] }
            guard Self.isUnreachable(error), let deadline, ContinuousClock.now < deadline else {
                deadlines.withLock { $0[key] = nil }
                throw error
            }
            return false
        }
        deadlines.withLock { deadlines in
            if deadlines[key] != nil { deadlines[key] = asked + .seconds(visibilitySeconds) }
        }
        return cancelRequested
    }

    /// Sends the report's command once.
    private func send(_ report: AttemptReport, for job: DeliveryJob) async throws(MailTimeClientError) {
        let client = try await clients.client()
        let duration = report.duration.map(Self.milliseconds)
        switch report.outcome {
        case .sent(let recipients):
            try await client.complete(id: job.id, token: job.token, results: recipients, provider: report.provider, durationMilliseconds: duration)
        case .retry(var failure, let recipients, let delay, let provider):
            if failure.provider == nil { failure.provider = report.provider }
            _ = try await client.retry(
                id: job.id,
                token: job.token,
                error: failure,
                results: recipients,
                delayMilliseconds: delay.map(Self.milliseconds),
                provider: provider,
                durationMilliseconds: duration
            )
        case .fail(var failure, let recipients):
            if failure.provider == nil { failure.provider = report.provider }
            try await client.fail(id: job.id, token: job.token, error: failure, results: recipients, durationMilliseconds: duration)
        }
    }

    /// Whether `error` says the broker could not be reached, rather than that it refused the request.
    private static func isUnreachable(_ error: MailTimeClientError) -> Bool {
        error.code == .connectionClosed || error.code == .connectionFailed || error.code == .shuttingDown
    }

    func waitForWork() async {
        try? await Task.sleep(for: Self.idlePause)
    }

    /// `duration` in whole milliseconds, rounded down.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
