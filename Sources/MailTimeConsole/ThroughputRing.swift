/// Sent, deferred and failed emails per minute over the last hour: a ring of per-minute counters
/// fed by the event hub, kept in memory only (a restart starts it empty).
public struct ThroughputRing: Hashable, Sendable {
    /// The counts of one minute.
    public struct Minute: Hashable, Sendable {
        /// The minute, as Unix milliseconds at its start.
        public var start: Int64
        public var sent = 0
        public var deferred = 0
        public var failed = 0

        public init(start: Int64, sent: Int = 0, deferred: Int = 0, failed: Int = 0) {
            self.start = start
            self.sent = sent
            self.deferred = deferred
            self.failed = failed
        }
    }

    /// How many minutes the ring keeps.
    public static let minutes = 60

    private var slots: [Minute]

    public init() {
        slots = Array(repeating: Minute(start: -1), count: Self.minutes)
    }

    /// Counts an event of `kind` that happened at `time` (Unix milliseconds); other kinds are ignored.
    public mutating func record(_ kind: Kind, at time: Int64) {
        let start = Self.minuteStart(time)
        let index = Self.slot(of: start)
        if slots[index].start != start {
            // A later minute reuses the slot; an event older than the slot's minute is too old to count.
            guard start > slots[index].start else { return }
            slots[index] = Minute(start: start)
        }
        switch kind {
        case .sent: slots[index].sent += 1
        case .deferred: slots[index].deferred += 1
        case .failed: slots[index].failed += 1
        }
    }

    /// The last ``minutes`` minutes up to the one holding `now`, oldest first, with zeros for quiet minutes.
    public func series(now: Int64) -> [Minute] {
        let current = Self.minuteStart(now)
        return (0..<Int64(Self.minutes)).reversed().map { back in
            let start = current - back * 60_000
            let slot = slots[Self.slot(of: start)]
            return slot.start == start ? slot : Minute(start: start)
        }
    }

    /// What the ring counts.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case sent, deferred, failed
    }

    private static func minuteStart(_ time: Int64) -> Int64 {
        time - ((time % 60_000) + 60_000) % 60_000
    }

    private static func slot(of minuteStart: Int64) -> Int {
        Int(((minuteStart / 60_000) % Int64(minutes) + Int64(minutes)) % Int64(minutes))
    }
}
