/// Where a job is in its life.
///
/// `scheduled` → `ready` when its not-before time comes; `ready` → `leased` when a sender takes it;
/// `leased` → `sent`, `failed`, `cancelled`, or back to `scheduled`/`ready` for another attempt.
/// `sent`, `failed` and `cancelled` are final (a failed or cancelled job can be requeued by hand).
/// The raw value is the queue's stored form; ``name`` is the protocol's.
public enum JobState: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case scheduled = 1
    case ready = 2
    case leased = 3
    case sent = 4
    case failed = 5
    case cancelled = 6

    /// Whether the job's life is over (it is kept as history until purged).
    public var isFinal: Bool {
        switch self {
        case .sent, .failed, .cancelled: true
        case .scheduled, .ready, .leased: false
        }
    }

    /// The lower-case name used in logs and the protocol.
    public var name: String {
        switch self {
        case .scheduled: "scheduled"
        case .ready: "ready"
        case .leased: "leased"
        case .sent: "sent"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    public var description: String { name }

    /// The state named `name` (lower-case), or `nil`.
    public init?(name: some StringProtocol) {
        guard let state = JobState.allCases.first(where: { $0.name == name }) else { return nil }
        self = state
    }
}
