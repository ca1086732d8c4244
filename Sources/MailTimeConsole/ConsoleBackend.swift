import MailTimeModel
import MailTimeProtocol

/// What the console reads and does, implemented by the broker over its queue, event hub and senders.
///
/// Every method answers as the line protocol's command of the same name does and throws its
/// ``ProtocolError`` (`NOT_FOUND`, `INVALID_STATE`, `STORAGE`…), so that the console and the JSON API
/// report the protocol's stable codes.
public protocol ConsoleBackend: Sendable {
    /// The role of `token` (a broker token), or `nil` when it matches none.
    func role(ofToken token: String) -> BrokerRole?

    /// `STATS`: counts per state, the oldest ready email's age, the providers' health.
    func stats() async throws -> BrokerStats

    /// `LIST key=value …`: the emails the query's filter selects, in id order.
    func list(_ query: EmailQuery) async throws -> [JobStatus]

    /// `STATUS` and the stored email: `nil` content once its body is purged.
    func email(id: String) async throws -> ConsoleEmail

    /// `REQUEUE`: puts the selected failed or cancelled emails back in the queue; returns how many.
    func requeue(_ selection: EmailSelection) async throws -> Int

    /// `CANCEL WHERE`: cancels every waiting email matching `filter` (leased ones when their sender
    /// reports back); returns how many.
    func cancel(matching filter: EmailFilter) async throws -> Int

    /// `PURGE WHERE`: deletes every sent, failed or cancelled email matching `filter`; returns how many.
    func purge(matching filter: EmailFilter) async throws -> Int

    /// `CANCEL`: cancels the email now, or once its current attempt ends.
    func cancel(id: String) async throws -> CancelOutcome

    /// `PAUSE` (`true`) or `RESUME` (`false`) of the broker's own senders.
    func setPaused(_ paused: Bool)

    /// `PAUSE PROVIDER` (`true`) or `RESUME PROVIDER` (`false`): holds the provider's circuit open
    /// by hand, or lets it close again. Throws `NOT_FOUND` when no provider has that name.
    func setProviderPaused(_ paused: Bool, name: String) throws

    /// The configured SMTP providers (secrets redacted) with their health, in configuration order.
    func providers() -> [ConsoleProvider]

    /// Calls `handler` with every event of the queue (as `EVENTS` streams them) until the
    /// subscription is cancelled.
    func subscribe(_ handler: @escaping @Sendable (MailTimeEvent) -> Void) -> ConsoleSubscription
}

/// Which emails a list shows: those matching a filter, in id order, a page at a time.
public struct EmailQuery: Hashable, Sendable {
    /// The conditions every email shown meets; none shows every email.
    public var filter: EmailFilter
    /// The page starts after this id.
    public var after: String?
    /// How many emails at most (1 to 1,000).
    public var limit: Int

    public init(filter: EmailFilter, after: String? = nil, limit: Int = 50) {
        self.filter = filter
        self.after = after
        self.limit = limit
    }
}

/// The emails a bulk action applies to.
public enum EmailSelection: Hashable, Sendable {
    /// These emails, by id.
    case ids([String])
    /// Every failed email.
    case allFailed
    /// Every email matching the filter (`REQUEUE WHERE`).
    case matching(EmailFilter)
}

/// Ends an event subscription when cancelled.
public struct ConsoleSubscription: Sendable {
    private let onCancel: @Sendable () -> Void

    public init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    /// Stops the events.
    public func cancel() {
        onCancel()
    }
}
