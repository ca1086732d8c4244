import MailTimeModel

/// One event of the `EVENTS` stream: the body of an `EVENT` line. Times are Unix milliseconds.
public struct MailTimeEvent: Hashable, Sendable {
    /// What happened.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The kind as it appears on the wire.
        public let rawValue: String
        /// A kind by its wire name; later versions may add kinds, which are kept as they are.
        package init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Delivered.
        public static let sent = Kind(rawValue: "sent")
        /// A temporary failure; another attempt is scheduled (``MailTimeEvent/nextAttempt``).
        public static let deferred = Kind(rawValue: "deferred")
        /// Failed for good.
        public static let failed = Kind(rawValue: "failed")
        /// Cancelled.
        public static let cancelled = Kind(rawValue: "cancelled")
        /// The client fell too far behind; ``MailTimeEvent/lost`` events were dropped.
        public static let overflow = Kind(rawValue: "overflow")
    }

    public var kind: Kind
    /// The job's id (all kinds but `overflow`).
    public var id: String?
    /// When it happened.
    public var at: Int64?
    /// The next attempt, for `deferred`.
    public var nextAttempt: Int64?
    /// The failure, for `deferred`, `failed` and perhaps `cancelled`.
    public var error: DeliveryFailure?
    /// The job after the event.
    public var job: JobStatus?
    /// How many events were dropped, for `overflow`.
    public var lost: Int?

    public init(
        kind: Kind,
        id: String? = nil,
        at: Int64? = nil,
        nextAttempt: Int64? = nil,
        error: DeliveryFailure? = nil,
        job: JobStatus? = nil,
        lost: Int? = nil
    ) {
        self.kind = kind
        self.id = id
        self.at = at
        self.nextAttempt = nextAttempt
        self.error = error
        self.job = job
        self.lost = lost
    }

    /// The event that replaces `lost` events a slow reader missed.
    public static func overflow(lost: Int) -> MailTimeEvent {
        MailTimeEvent(kind: .overflow, lost: lost)
    }
}
