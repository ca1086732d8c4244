import Synchronization

/// The ``ThroughputRing`` the console's responders share, fed by the backend's events.
final class ThroughputCounter: Sendable {
    private let ring = Mutex(ThroughputRing())

    func record(_ kind: ThroughputRing.Kind, at time: Int64) {
        ring.withLock { $0.record(kind, at: time) }
    }

    /// The last hour, minute by minute, up to the minute holding `now`.
    func series(now: Int64) -> [ThroughputRing.Minute] {
        ring.withLock { $0.series(now: now) }
    }
}
