import MailTimeDelivery
import MailTimeModel
import Synchronization

/// Whether the broker's own senders may take new emails (`PAUSE` / `RESUME`, and not once the broker
/// shuts down), and how many connections are open; shared by the listener, its connections and the senders.
public final class DeliveryControl: Sendable {
    /// A sender waiting for work, or one woken before it started waiting.
    private enum IdleSender {
        case waiting(CheckedContinuation<Void, Never>)
        case woken
    }

    private let paused = Atomic<Bool>(false)
    private let leasing = Atomic<Bool>(true)
    private let openConnections = Atomic<Int>(0)
    private let providers = Mutex<ProviderRouter?>(nil)
    private let idleSenders = Mutex<[Int: IdleSender]>([:])
    private let nextWaiter = Atomic<Int>(0)

    public init() {}

    /// Whether delivery is paused.
    public var isPaused: Bool { paused.load(ordering: .relaxed) }

    /// Pauses or resumes delivery.
    public func setPaused(_ value: Bool) {
        paused.store(value, ordering: .relaxed)
    }

    /// Whether the embedded senders may take new emails: until the broker shuts down.
    var isLeasing: Bool { leasing.load(ordering: .relaxed) }

    /// Makes the embedded senders take no new emails (the broker is shutting down) and wakes the
    /// idle ones, so that they stop.
    func stopLeasing() {
        leasing.store(false, ordering: .relaxed)
        workArrived()
    }

    /// The SMTP providers the embedded senders use, if any.
    var router: ProviderRouter? { providers.withLock { $0 } }

    /// Each provider's health, for `STATS`; empty without providers.
    public var providerHealth: [ProviderHealth] { router?.health ?? [] }

    /// Pauses or resumes the provider named `name`; returns whether the broker has such a provider.
    func setProviderPaused(_ paused: Bool, name: String) -> Bool {
        router?.setPaused(paused, provider: name) ?? false
    }

    func attach(_ router: ProviderRouter) {
        providers.withLock { $0 = router }
    }

    /// Wakes up to `count` idle senders: one for each new email, all when delivery resumes (waking
    /// every idle sender for one email would send them all to lease it).
    func workArrived(wakingUpTo count: Int = .max) {
        let waiters = idleSenders.withLock { waiters in
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters {
                guard woken.count < count else { break }
                if case .waiting(let continuation) = waiter {
                    woken.append(continuation)
                    waiters[id] = nil
                }
            }
            return woken
        }
        for waiter in waiters { waiter.resume() }
    }

    /// How many senders wait for work now.
    var idleSenderCount: Int {
        idleSenders.withLock { waiters in waiters.values.filter { if case .waiting = $0 { true } else { false } }.count }
    }

    /// Waits until ``workArrived(wakingUpTo:)`` or `timeout` passes (emails scheduled for later become due
    /// without a signal), or the task is cancelled.
    func waitForWork(timeout: Duration) async {
        let id = nextWaiter.wrappingAdd(1, ordering: .relaxed).newValue
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let alreadyWoken = self.idleSenders.withLock { waiters in
                        if case .woken = waiters[id] { return true }
                        waiters[id] = .waiting(continuation)
                        return false
                    }
                    if alreadyWoken { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.wake(id)
            }
            await group.next()
            group.cancelAll()
            wake(id)
        }
        idleSenders.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Resumes the waiter `id`, or marks it woken if it has not started waiting yet.
    private func wake(_ id: Int) {
        let continuation = idleSenders.withLock { waiters -> CheckedContinuation<Void, Never>? in
            if case .waiting(let continuation) = waiters[id] {
                waiters[id] = .woken
                return continuation
            }
            waiters[id] = .woken
            return nil
        }
        continuation?.resume()
    }

    /// The number of open connections.
    public var connections: Int { openConnections.load(ordering: .relaxed) }

    /// Counts a new connection if fewer than `limit` are open; returns whether it was counted.
    func admitConnection(limit: Int) -> Bool {
        while true {
            let current = openConnections.load(ordering: .relaxed)
            guard current < limit else { return false }
            if openConnections.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged {
                return true
            }
        }
    }

    func connectionClosed() {
        openConnections.subtract(1, ordering: .relaxed)
    }
}
