import MailTimeJSON
import MailTimeMessage

/// One event of the ``MailTimeClient/events()`` stream. Times are Unix milliseconds.
public struct MailTimeEvent: Hashable, Sendable {
    /// What happened.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
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
    public var error: DeliveryError?
    /// The job after the event.
    public var job: JobStatus?
    /// How many events were dropped, for `overflow`.
    public var lost: Int?
    /// The event's JSON as the broker sent it.
    public var json: String

    /// Parses the JSON of an `EVENT` line.
    init(json text: String) throws(MailTimeClientError) {
        let value: JSONValue
        let rawValues: [String: ArraySlice<UInt8>]
        do {
            (value, rawValues) = try JSONParser.parseObjectKeepingRawValues(Array(text.utf8))
        } catch {
            throw MailTimeClientError(.unexpectedReply, "an event is not JSON: \(error)")
        }
        guard let kind = value["event"]?.stringValue else {
            throw MailTimeClientError(.unexpectedReply, "an event does not say what happened: \(text.prefix(120))")
        }
        self.kind = Kind(rawValue: kind)
        id = value["id"]?.stringValue
        at = value["at"]?.integerValue
        nextAttempt = value["next_attempt"]?.integerValue
        error = value["error"].flatMap(DeliveryError.init)
        if let job = value["job"], let jobText = rawValues["job"] {
            self.job = try JobStatus(job, json: String(decoding: jobText, as: UTF8.self))
        } else {
            job = nil
        }
        lost = value["lost"]?.integerValue.map(Int.init)
        json = text
    }
}
