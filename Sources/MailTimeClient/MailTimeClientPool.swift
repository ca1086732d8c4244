import Logging
import MailTimeTLS
import NIOCore
import NIOPosix
import Synchronization

/// A few connections to one broker, shared round-robin, each reopened when it is lost. After a
/// failed attempt to connect, the next attempt on that connection waits with exponential backoff.
///
/// Requests are not retried: a request in flight when its connection is lost fails with
/// ``ProtocolError/Code/connectionClosed``. Retry it yourself (a `SEND` with an
/// `idempotency_key` is safe to repeat).
public final class MailTimeClientPool: Sendable {
    private let endpoint: MailTimeClient.Endpoint
    private let backoff: Backoff
    private let state: Mutex<State>

    /// How long to wait before reconnecting after failed attempts: `initial`, doubling up to `maximum`.
    public struct Backoff: Hashable, Sendable {
        public var initial: Duration
        public var maximum: Duration

        public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10)) {
            self.initial = initial
            self.maximum = maximum
        }

        /// The wait after `failures` failed attempts in a row.
        func delay(afterFailures failures: Int) -> Duration {
            guard failures > 0 else { return .zero }
            let doubled = initial * (1 << min(failures - 1, 30))
            return min(doubled, maximum)
        }
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var isClosed = false
    }

    private enum Slot {
        /// No connection; the next attempt may start at `notBefore`.
        case idle(failures: Int, notBefore: ContinuousClock.Instant)
        case connecting(Task<MailTimeClient, any Error>, failures: Int)
        case connected(MailTimeClient)
    }

    /// A pool of `size` connections to the broker at `host`:`port`, opened as requests need them.
    /// The parameters are those of ``MailTimeClient/connect(host:port:tls:token:logger:eventLoopGroup:)``.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7525,
        tls: BrokerTrust,
        token: String,
        size: Int = 4,
        backoff: Backoff = Backoff(),
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(MailTimeClientError) {
        guard size >= 1 else {
            throw MailTimeClientError(.invalidConfiguration, "a pool needs at least one connection")
        }
        endpoint = try MailTimeClient.Endpoint(
            host: host,
            port: port,
            tls: tls,
            token: token,
            logger: logger,
            eventLoopGroup: eventLoopGroup
        )
        self.backoff = backoff
        state = Mutex(State(slots: Array(repeating: .idle(failures: 0, notBefore: .now), count: size)))
    }

    /// A connected client from the pool, the next one in turn; it is reconnected first if it was lost.
    /// Do not close it: ``close()`` closes the pool's connections.
    public func client() async throws(MailTimeClientError) -> MailTimeClient {
        switch try checkOut() {
        case .ready(let client):
            return client
        case .connecting(let index, let task):
            return try settle(index, task: task, outcome: await task.result)
        }
    }

    /// Closes every connection; requests made afterwards fail with ``ProtocolError/Code/connectionClosed``.
    public func close() async {
        let slots = state.withLock { state in
            state.isClosed = true
            let slots = state.slots
            state.slots = Array(repeating: .idle(failures: 0, notBefore: .now), count: slots.count)
            return slots
        }
        for slot in slots {
            switch slot {
            case .connected(let client):
                try? await client.close()
            case .connecting(let task, _):
                try? await task.value.close()
            case .idle:
                break
            }
        }
    }

    private enum CheckOut {
        case ready(MailTimeClient)
        case connecting(Int, Task<MailTimeClient, any Error>)
    }

    /// Picks the next slot: its live connection, or the task that opens one (started here if need be).
    private func checkOut() throws(MailTimeClientError) -> CheckOut {
        let endpoint = endpoint
        return try state.withLock { state throws(MailTimeClientError) in
            guard !state.isClosed else {
                throw MailTimeClientError(.connectionClosed, "the pool is closed")
            }
            let index = state.next
            state.next = (state.next + 1) % state.slots.count
            switch state.slots[index] {
            case .connected(let client) where client.isConnected:
                return .ready(client)
            case .connecting(let task, _):
                return .connecting(index, task)
            case .connected:
                // Lost: reconnect at once.
                let task = Task { try await MailTimeClient.connect(endpoint) }
                state.slots[index] = .connecting(task, failures: 0)
                return .connecting(index, task)
            case .idle(let failures, let notBefore):
                let task = Task {
                    try await Task.sleep(until: notBefore, clock: .continuous)
                    return try await MailTimeClient.connect(endpoint)
                }
                state.slots[index] = .connecting(task, failures: failures)
                return .connecting(index, task)
            }
        }
    }

    /// Records how the slot's connection attempt ended.
    private func settle(
        _ index: Int,
        task: Task<MailTimeClient, any Error>,
        outcome: Result<MailTimeClient, any Error>
    ) throws(MailTimeClientError) -> MailTimeClient {
        let backoff = backoff
        state.withLock { state in
            guard !state.isClosed, case .connecting(let current, let failures) = state.slots[index], current == task else { return }
            switch outcome {
            case .success(let client):
                state.slots[index] = .connected(client)
            case .failure:
                state.slots[index] = .idle(failures: failures + 1, notBefore: .now + backoff.delay(afterFailures: failures + 1))
            }
        }
        switch outcome {
        case .success(let client):
            return client
        case .failure(let error):
            throw MailTimeClientError(error)
        }
    }
}
