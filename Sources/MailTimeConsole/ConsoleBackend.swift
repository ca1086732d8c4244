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

    /// `LIST`: the emails the query selects, in id order.
    func list(_ query: EmailQuery) async throws -> [JobStatus]

    /// `STATUS` and the stored email: `nil` content once its body is purged.
    func email(id: String) async throws -> ConsoleEmail

    /// `REQUEUE`: puts the selected failed or cancelled emails back in the queue; returns how many.
    func requeue(_ selection: EmailSelection) async throws -> Int

    /// `CANCEL`: cancels the email now, or once its current attempt ends.
    func cancel(id: String) async throws -> CancelOutcome

    /// `PAUSE` (`true`) or `RESUME` (`false`) of the broker's own senders.
    func setPaused(_ paused: Bool)

    /// The configured SMTP providers (secrets redacted) with their health, in configuration order.
    func providers() -> [ConsoleProvider]

    /// Calls `handler` with every event of the queue (as `EVENTS` streams them) until the
    /// subscription is cancelled.
    func subscribe(_ handler: @escaping @Sendable (MailTimeEvent) -> Void) -> ConsoleSubscription
}

/// Which emails a list shows: one state, in id order, a page at a time. Later filters are added as
/// optional properties, each `nil` by default.
public struct EmailQuery: Hashable, Sendable {
    /// The state the emails are in.
    public var state: JobState
    /// The page starts after this id.
    public var after: String?
    /// How many emails at most (1 to 1,000).
    public var limit: Int

    public init(state: JobState, after: String? = nil, limit: Int = 50) {
        self.state = state
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
