import MailTimeClient
import MailTimeDelivery
import Synchronization

/// `mailtime sender`'s ``JobSource``: the broker's worker commands over the protocol (protocol.md,
/// section 5), on connections that are reopened with backoff when lost. The leases of a lost
/// connection are left to expire; the broker then hands the emails out again.
final class BrokerJobSource: JobSource {
    let clients: MailTimeClientPool
    /// How long a lease lasts, and how far each renewal extends it.
    let visibilitySeconds: Int
    private let isLeasing = Atomic(true)

    /// How long an idle sender waits before asking for due emails again.
    static let idlePause: Duration = .milliseconds(200)

    init(clients: MailTimeClientPool, visibilitySeconds: Int) {
        self.clients = clients
        self.visibilitySeconds = visibilitySeconds
    }

    /// Leases nothing more: ``lease(maximum:)`` throws `CancellationError` from now on, which ends
    /// the senders' loops once they finish the email in hand. Reports and renewals go on.
    func stopLeasing() {
        isLeasing.store(false, ordering: .relaxed)
    }

    func lease(maximum: Int) async throws -> [DeliveryJob] {
        guard isLeasing.load(ordering: .relaxed) else { throw CancellationError() }
        return try await clients.client().lease(max: maximum, visibilitySeconds: visibilitySeconds).map { leased in
            DeliveryJob(
                id: leased.id,
                token: leased.token,
                attempt: leased.attempts,
                pinnedProvider: leased.provider,
                payload: leased.email,
                settledRecipients: Set(leased.settledRecipients)
            )
        }
    }

    func report(_ outcome: DeliveryOutcome, for job: DeliveryJob) async throws {
        let client = try await clients.client()
        switch outcome {
        case .sent(let recipients):
            try await client.complete(id: job.id, token: job.token, results: recipients)
        case .retry(let failure, let recipients, let delay, let provider):
            _ = try await client.retry(
                id: job.id,
                token: job.token,
                error: failure,
                results: recipients,
                delayMilliseconds: delay.map(Self.milliseconds),
                provider: provider
            )
        case .fail(let failure, let recipients):
            try await client.fail(id: job.id, token: job.token, error: failure, results: recipients)
        }
    }

    func renew(_ job: DeliveryJob) async throws -> Bool {
        try await clients.client().touch(id: job.id, token: job.token, seconds: visibilitySeconds).cancelRequested
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
