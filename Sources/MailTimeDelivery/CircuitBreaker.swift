/// Whether a provider may be used: after `threshold` provider failures in a row it is down for a
/// cool-down (doubling on each failed probe, up to a maximum), then one attempt probes it; a success
/// brings it back (as Postfix does with a dead destination). An operator can also hold it open by
/// hand (``setPaused(_:)``): no attempt goes through until it is resumed.
struct CircuitBreaker: Sendable {
    enum State: Hashable, Sendable {
        case up
        /// Down until the instant; then one caller may probe.
        case down(until: ContinuousClock.Instant)
        /// A probe is in flight; others stay away.
        case probing
    }

    let threshold: Int
    let coolDown: Duration
    let maximumCoolDown: Duration
    private(set) var state = State.up
    private(set) var consecutiveFailures = 0
    /// Held open by hand: no attempt is permitted, whatever the state.
    private(set) var isPaused = false
    private var currentCoolDown: Duration

    init(threshold: Int, coolDown: Duration, maximumCoolDown: Duration) {
        self.threshold = max(1, threshold)
        self.coolDown = coolDown
        self.maximumCoolDown = maximumCoolDown
        self.currentCoolDown = coolDown
    }

    /// Whether a send may go now; when the cool-down is over, the first caller becomes the probe.
    mutating func permitsAttempt(at now: ContinuousClock.Instant) -> Bool {
        guard !isPaused else { return false }
        switch state {
        case .up:
            return true
        case .down(let until) where now >= until:
            state = .probing
            return true
        case .down, .probing:
            return false
        }
    }

    /// Whether the provider counts as healthy (for `STATS`).
    var isUp: Bool { state == .up }

    /// Holds the circuit open by hand, or lets it work again; failures and cool-downs are kept.
    mutating func setPaused(_ paused: Bool) {
        isPaused = paused
    }

    mutating func recordSuccess() {
        state = .up
        consecutiveFailures = 0
        currentCoolDown = coolDown
    }

    /// A failure that shows the provider unusable at once (the start-up check): down for a cool-down
    /// whatever the count, then probed like any provider that went down.
    mutating func takeDown(at now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        state = .down(until: now + currentCoolDown)
    }

    /// A provider failure; returns whether this took the provider down.
    @discardableResult
    mutating func recordFailure(at now: ContinuousClock.Instant) -> Bool {
        consecutiveFailures += 1
        switch state {
        case .probing:
            currentCoolDown = min(currentCoolDown * 2, maximumCoolDown)
            state = .down(until: now + currentCoolDown)
            return true
        case .up where consecutiveFailures >= threshold:
            state = .down(until: now + currentCoolDown)
            return true
        default:
            return false
        }
    }
}
