import Logging
import MailTimeDelivery
import MailTimeModel
import MailTimeQueue

/// The embedded senders' ``JobSource``: the broker's own queue. Leases nothing while delivery is paused.
struct QueueJobSource: JobSource {
    let queue: MailQueue
    let control: DeliveryControl
    let owner: String
    let visibility: Duration
    let logger: Logger

    /// How long an idle sender waits before looking for due emails again, unless new ones wake it.
    static let idlePause: Duration = .milliseconds(250)

    func lease(maximum: Int) async throws -> [DeliveryJob] {
        guard control.isLeasing else { throw CancellationError() }
        guard !control.isPaused else { return [] }
        return try await queue.lease(maximum: maximum, visibility: visibility, owner: owner, folding: true).map(Self.deliveryJob)
    }

    private static func deliveryJob(_ leased: LeasedJob) -> DeliveryJob {
        DeliveryJob(
            id: leased.job.id.description,
            token: leased.token,
            attempt: leased.job.attempts,
            pinnedProvider: leased.job.providerIndex,
            payload: leased.payload,
            settledRecipients: Set(leased.job.settledRecipients),
            folded: leased.folded.map(deliveryJob)
        )
    }

    /// Queues the report and returns without waiting for it to be durable: the sender moves on to
    /// the next email while the report is committed with others (operations stay in order). If the
    /// broker stops before the commit, the lease expires and the email goes out again (at least once).
    func report(_ report: AttemptReport, for job: DeliveryJob) async throws {
        let id = try jobID(job)
        let logger = logger
        let recorded: @Sendable (Result<Job, any Error>) -> Void = { result in
            if case .failure(let error) = result {
                logger.warning("cannot record the outcome", metadata: ["mail.id": "\(id)", "error": "\(error)"])
            }
        }
        switch report.outcome {
        case .sent(let recipients):
            queue.submit(
                .complete(id, token: job.token, results: recipients, provider: report.provider, duration: report.duration),
                completion: recorded
            )
        case .retry(let failure, let recipients, let delay, let provider):
            queue.submit(
                .retryLater(
                    id, token: job.token, error: Self.naming(failure, report.provider), results: recipients,
                    delay: delay, providerIndex: provider, duration: report.duration
                ),
                completion: recorded
            )
        case .fail(let failure, let recipients):
            queue.submit(
                .fail(id, token: job.token, error: Self.naming(failure, report.provider), results: recipients, duration: report.duration),
                completion: recorded
            )
        }
    }

    /// `failure` with the report's provider when it names none itself.
    private static func naming(_ failure: DeliveryFailure, _ provider: String?) -> DeliveryFailure {
        var failure = failure
        if failure.provider == nil { failure.provider = provider }
        return failure
    }

    func renew(_ job: DeliveryJob) async throws -> Bool {
        try await queue.touch(try jobID(job), token: job.token, extendBy: visibility).cancelRequested
    }

    func release(_ job: DeliveryJob) async {
        for member in [job] + job.folded {
            guard let id = JobID(member.id) else { continue }
            do {
                try await queue.release(id, token: member.token)
            } catch {
                logger.warning("cannot give a lease back", metadata: ["mail.id": "\(id)", "error": "\(error)"])
            }
        }
    }

    func waitForWork() async {
        await control.waitForWork(timeout: Self.idlePause)
    }

    private func jobID(_ job: DeliveryJob) throws -> JobID {
        guard let id = JobID(job.id) else { throw QueueError(.invalidArgument, "not a job id: \(job.id)") }
        return id
    }
}
