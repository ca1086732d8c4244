import Synchronization

/// The leases a sender holds for one leased batch: renewed together by one task while the emails
/// go out one by one, and marked lost when a renewal fails.
final class HeldLeases: Sendable {
    private struct State {
        var held: [String: DeliveryJob] = [:]
        var lost: Set<String> = []
    }

    private let state: Mutex<State>

    init(_ jobs: [DeliveryJob]) {
        var held: [String: DeliveryJob] = [:]
        for job in jobs {
            for member in [job] + job.folded { held[member.id] = member }
        }
        state = Mutex(State(held: held))
    }

    /// The leases still held, to renew.
    var current: [DeliveryJob] { state.withLock { Array($0.held.values) } }

    /// Stops renewing `job`'s lease (and those folded into it): it has been reported or given up.
    func release(_ job: DeliveryJob) {
        state.withLock { state in
            for member in [job] + job.folded { state.held[member.id] = nil }
        }
    }

    func markLost(_ job: DeliveryJob) {
        state.withLock { state in
            state.held[job.id] = nil
            state.lost.insert(job.id)
        }
    }

    /// Whether the lease on any of `jobs` was lost.
    func isLost(any jobs: [DeliveryJob]) -> Bool {
        state.withLock { state in jobs.contains { state.lost.contains($0.id) } }
    }
}
