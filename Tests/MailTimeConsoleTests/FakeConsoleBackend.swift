import MailTimeConsole
import MailTimeModel
import MailTimeProtocol
import Synchronization

/// A console backend over emails held in memory, recording the actions it is asked for.
final class FakeConsoleBackend: ConsoleBackend {
    static let adminToken = "admin-token-0123456789"
    static let viewerToken = "viewer-token-0123456789"
    static let producerToken = "producer-token-0123456789"

    struct Actions: Hashable, Sendable {
        var requeued: [EmailSelection] = []
        var cancelled: [String] = []
        var paused: [Bool] = []
        /// Bulk cancels and purges.
        var cancelledMatching: [EmailFilter] = []
        var purgedMatching: [EmailFilter] = []
        /// Provider pauses (`true`) and resumes, by name.
        var providerPauses: [String: [Bool]] = [:]
    }

    /// The one provider's name.
    static let providerName = "relay<b>"

    let emails: [String: ConsoleEmail]
    let actions = Mutex(Actions())
    let subscribers = Mutex<[Int: @Sendable (MailTimeEvent) -> Void]>([:])

    init(emails: [ConsoleEmail] = []) {
        self.emails = Dictionary(uniqueKeysWithValues: emails.map { ($0.status.id, $0) })
    }

    func role(ofToken token: String) -> BrokerRole? {
        switch token {
        case Self.adminToken: .admin
        case Self.viewerToken: .viewer
        case Self.producerToken: .producer
        default: nil
        }
    }

    func stats() async throws -> BrokerStats {
        var counts: [JobState: Int] = [:]
        for email in emails.values { counts[email.status.state, default: 0] += 1 }
        return BrokerStats(
            counts: counts, oldestReadyAgeMilliseconds: 61_000, nextDueAt: nil, nextLeaseDeadline: nil,
            isPaused: actions.withLock { $0.paused.last ?? false }, connections: 1,
            providers: [
                ProviderHealth(
                    name: Self.providerName, isUp: false, sent: 3, failures: 2, consecutiveFailures: 2, lastError: "<script>x</script>",
                    isPaused: isProviderPaused)
            ]
        )
    }

    private var isProviderPaused: Bool { actions.withLock { $0.providerPauses[Self.providerName]?.last ?? false } }

    func list(_ query: EmailQuery) async throws -> [JobStatus] {
        matching(query.filter).filter { status in query.after.map { status.id > $0 } ?? true }.prefix(query.limit).map { $0 }
    }

    /// The emails matching `filter`, in id order: the fake knows the state, the last error's code and
    /// provider, and the recipients of the last attempt; a sender or tag condition matches nothing.
    func matching(_ filter: EmailFilter) -> [JobStatus] {
        emails.values.map(\.status).filter { status in
            let addresses = status.recipients.map { $0.address.lowercased() }
            return filter.state.map { status.state == $0 } ?? true
                && filter.errorCode.map { status.lastError?.code.name == $0 } ?? true
                && filter.provider.map { status.lastError?.provider == $0 } ?? true
                && filter.recipient.map { addresses.contains($0.lowercased()) } ?? true
                && filter.domain.map { domain in addresses.contains { $0.hasSuffix("@" + domain.lowercased()) } } ?? true
                && filter.sender == nil && filter.tag == nil
        }.sorted { $0.id < $1.id }
    }

    func email(id: String) async throws -> ConsoleEmail {
        guard let email = emails[id] else { throw ProtocolError(.notFound, "no email has the id \(id)") }
        return email
    }

    func requeue(_ selection: EmailSelection) async throws -> Int {
        actions.withLock { $0.requeued.append(selection) }
        if case .ids(let ids) = selection, let id = ids.first, emails[id]?.status.state != .failed {
            throw ProtocolError(.invalidState, "job \(id) is not failed")
        }
        if case .matching(let filter) = selection {
            return matching(filter).filter { $0.state == .failed || $0.state == .cancelled }.count
        }
        return 1
    }

    func cancel(matching filter: EmailFilter) async throws -> Int {
        actions.withLock { $0.cancelledMatching.append(filter) }
        return matching(filter).filter { !$0.state.isFinal }.count
    }

    func purge(matching filter: EmailFilter) async throws -> Int {
        actions.withLock { $0.purgedMatching.append(filter) }
        return matching(filter).filter(\.state.isFinal).count
    }

    func cancel(id: String) async throws -> CancelOutcome {
        guard emails[id] != nil else { throw ProtocolError(.notFound, "no email has the id \(id)") }
        actions.withLock { $0.cancelled.append(id) }
        return .cancelled
    }

    func setPaused(_ paused: Bool) {
        actions.withLock { $0.paused.append(paused) }
    }

    func setProviderPaused(_ paused: Bool, name: String) throws {
        guard name == Self.providerName else { throw ProtocolError(.notFound, "no provider is named \(name)") }
        actions.withLock { $0.providerPauses[name, default: []].append(paused) }
    }

    func providers() -> [ConsoleProvider] {
        [
            ConsoleProvider(
                settings: [.init(name: "host", value: "smtp.example.com"), .init(name: "password", value: "(set; not shown)")],
                health: ProviderHealth(name: Self.providerName, isUp: false, lastError: "<script>x</script>", isPaused: isProviderPaused)
            )
        ]
    }

    func subscribe(_ handler: @escaping @Sendable (MailTimeEvent) -> Void) -> ConsoleSubscription {
        let key = subscribers.withLock { subscribers in
            let key = (subscribers.keys.max() ?? 0) + 1
            subscribers[key] = handler
            return key
        }
        return ConsoleSubscription { _ = self.subscribers.withLock { $0.removeValue(forKey: key) } }
    }

    /// Hands `event` to every subscriber.
    func publish(_ event: MailTimeEvent) {
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber(event) }
    }
}
