import Synchronization

/// Spaces sends to a rate: each caller reserves the next free slot and sleeps until it.
final class RateLimiter: Sendable {
    private let interval: Duration
    private let nextSlot: Mutex<ContinuousClock.Instant>

    init(perSecond rate: Double) {
        interval = .seconds(1 / max(rate, 0.001))
        nextSlot = Mutex(.now)
    }

    /// Waits for this caller's slot.
    func acquire() async {
        let slot = nextSlot.withLock { next in
            let now = ContinuousClock.now
            let slot = max(next, now)
            next = slot + interval
            return slot
        }
        if slot > .now {
            try? await Task.sleep(until: slot, clock: .continuous)
        }
    }
}
