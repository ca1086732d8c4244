import MailTimeDelivery
import Synchronization

/// Whether the broker's own senders may take new emails (`PAUSE` / `RESUME`), and how many
/// connections are open; shared by the server, its connections and the senders.
public final class DeliveryControl: Sendable {
    private let paused = Atomic<Bool>(false)
    private let openConnections = Atomic<Int>(0)
    private let providers = Mutex<ProviderRouter?>(nil)

    public init() {}

    /// Whether delivery is paused.
    public var isPaused: Bool { paused.load(ordering: .relaxed) }

    /// Pauses or resumes delivery.
    public func setPaused(_ value: Bool) {
        paused.store(value, ordering: .relaxed)
    }

    /// The SMTP providers the embedded senders use, if any.
    var router: ProviderRouter? { providers.withLock { $0 } }

    /// Each provider's health, for `STATS`; empty without providers.
    public var providerHealth: [ProviderHealth] { router?.health ?? [] }

    func attach(_ router: ProviderRouter) {
        providers.withLock { $0 = router }
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
