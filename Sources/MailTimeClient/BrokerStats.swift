import MailTimeMessage

/// The queue at a glance, as `STATS` reports it.
public struct BrokerStats: Hashable, Sendable {
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
        json = text
    }
}
