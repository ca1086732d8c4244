import MailTimeJSON
import MailTimeMessage

/// The queue at a glance, as `STATS` reports it.
public struct BrokerStats: Hashable, Sendable {
    /// How one of the broker's SMTP providers is doing.
    public struct Provider: Hashable, Sendable {
        /// The provider's name from its configuration.
        public var name: String
        /// Whether it is in use; false while its circuit breaker keeps it out after failures.
        public var isUp: Bool
        /// Emails it accepted.
        public var sent: Int
        /// Attempts through it that failed.
        public var failures: Int
        /// Failures of the provider itself in a row (connection, TLS, authentication).
        public var consecutiveFailures: Int
        /// The last failure's text, if any.
        public var lastError: String?

        /// Reads `{"name","up","sent","failures","consecutive_failures","last_error"}`.
        init?(_ value: JSONValue) {
            guard let name = value["name"]?.stringValue else { return nil }
            self.name = name
            isUp = value["up"]?.boolValue ?? false
            sent = value["sent"]?.integerValue.map(Int.init) ?? 0
            failures = value["failures"]?.integerValue.map(Int.init) ?? 0
            consecutiveFailures = value["consecutive_failures"]?.integerValue.map(Int.init) ?? 0
            lastError = value["last_error"]?.stringValue
        }
    }

    /// How many jobs are in each state.
    public var counts: [JobStatus.State: Int]
    /// How long the oldest ready email has waited, in milliseconds.
    public var oldestReadyAgeMilliseconds: Int64
    /// When the next scheduled email falls due (Unix milliseconds), if any.
    public var nextDueAt: Int64?
    /// When the next lease expires (Unix milliseconds), if any.
    public var nextLeaseDeadline: Int64?
    /// Whether the broker's own senders are paused.
    public var isPaused: Bool
    /// Open connections.
    public var connections: Int
    /// The embedded senders' SMTP providers, in configuration order; empty when they deliver to the outbox.
    public var providers: [Provider]
    /// The JSON object as the broker sent it.
    public var json: String

    /// Parses the JSON of a `STATS` reply.
    init(json text: String) throws(MailTimeClientError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw MailTimeClientError(.unexpectedReply, "STATS did not answer JSON: \(error)")
        }
        guard case .object = value else {
            throw MailTimeClientError(.unexpectedReply, "STATS did not answer a JSON object")
        }
        var counts: [JobStatus.State: Int] = [:]
        for state in JobStatus.State.allCases {
            counts[state] = value[state.rawValue]?.integerValue.map(Int.init) ?? 0
        }
        self.counts = counts
        oldestReadyAgeMilliseconds = value["oldest_ready_age_ms"]?.integerValue ?? 0
        nextDueAt = value["next_due_at"]?.integerValue
        nextLeaseDeadline = value["next_lease_deadline"]?.integerValue
        isPaused = value["paused"]?.boolValue ?? false
        connections = value["connections"]?.integerValue.map(Int.init) ?? 0
        providers = value["providers"]?.arrayValue?.compactMap(Provider.init) ?? []
        json = text
    }
}
