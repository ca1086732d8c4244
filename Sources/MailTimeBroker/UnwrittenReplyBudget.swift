import Synchronization

/// The broker's budget of reply bytes handed out for writing and not yet written, across all
/// connections (protocol.md, section 3). Connections take bytes when they write replies and give
/// them back once written; while the total is over the limit, connections holding unwritten
/// replies stop reading, and each is woken once the total is back within it.
final class UnwrittenReplyBudget: Sendable {
    private struct State {
        var total = 0
        var waiting: [ObjectIdentifier: @Sendable () -> Void] = [:]
    }

    /// The total at which connections with unwritten replies stop reading.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// The bytes taken and not given back.
    var total: Int { state.withLock { $0.total } }

    /// Whether the total is at or over the limit.
    var isExceeded: Bool { total >= limit }

    /// Takes `bytes` for replies handed out for writing.
    func take(_ bytes: Int) {
        state.withLock { $0.total += bytes }
    }

    /// Gives back `bytes` whose replies were written (or dropped); wakes the waiting connections
    /// once the total is within the limit.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let woken = state.withLock { state -> [@Sendable () -> Void] in
            state.total -= bytes
            guard state.total < limit, !state.waiting.isEmpty else { return [] }
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for wake in woken { wake() }
    }

    /// Calls `wake` once the total is within the limit; returns `false`, without keeping `wake`,
    /// when it already is.
    func wake(_ connection: ObjectIdentifier, whenWithinLimit wake: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.total >= limit else { return false }
            state.waiting[connection] = wake
            return true
        }
    }

    /// Forgets a connection that no longer waits (it closed).
    func forget(_ connection: ObjectIdentifier) {
        _ = state.withLock { $0.waiting.removeValue(forKey: connection) }
    }
}
