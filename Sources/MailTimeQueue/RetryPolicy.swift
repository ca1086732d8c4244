/// When to try again after a temporary failure, and when to give up.
///
/// The delay before attempt *n + 1* is `minimumDelay × 2^(n − 1)`, capped at `maximumDelay`, then
/// jittered to a random value between half of it and all of it (so senders that failed together
/// do not come back together). A job fails for good after `maximumAttempts` attempts or once it is
/// `maximumAge` old.
///
/// The defaults (30 s doubling to 1 h, 30 attempts, 5 days) reach the last attempt after about a day
/// and follow Postfix's five-day queue lifetime.
public struct RetryPolicy: Hashable, Sendable {
    /// The delay after the first failed attempt.
    public var minimumDelay: Duration
    /// The largest delay between two attempts.
    public var maximumDelay: Duration
    /// How many attempts in all before the job fails.
    public var maximumAttempts: Int
    /// How long after it was queued (or requeued) a job may still be retried.
    public var maximumAge: Duration

    public init(
        minimumDelay: Duration = .seconds(30),
        maximumDelay: Duration = .seconds(3600),
        maximumAttempts: Int = 30,
        maximumAge: Duration = .seconds(5 * 24 * 3600)
    ) {
        self.minimumDelay = minimumDelay
        self.maximumDelay = maximumDelay
        self.maximumAttempts = maximumAttempts
        self.maximumAge = maximumAge
    }

    /// Checks the values make sense; returns the problem, or `nil`.
    func validationProblem() -> String? {
        if minimumDelay < .zero { return "the minimum retry delay must not be negative" }
        if maximumDelay < minimumDelay { return "the maximum retry delay must be at least the minimum delay" }
        if maximumAttempts < 1 { return "the maximum number of attempts must be at least 1" }
        if maximumAge <= .zero { return "the maximum age must be positive" }
        return nil
    }

    /// The delay to wait after `attempts` attempts have failed, with jitter.
    func delay(afterAttempts attempts: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let minimum = max(minimumDelay.milliseconds, 0)
        let maximum = max(maximumDelay.milliseconds, minimum)
        let exponent = min(max(attempts - 1, 0), 62)
        let (scaled, overflow) = minimum.multipliedReportingOverflow(by: Int64(1) << exponent)
        let capped = overflow ? maximum : min(scaled, maximum)
        guard capped > 1 else { return .milliseconds(capped) }
        return .milliseconds(Int64.random(in: (capped / 2)...capped, using: &generator))
    }

    /// Whether a job with this many attempts, queued (or requeued) at `start`, may be tried again at `now`.
    func allowsAnotherAttempt(after attempts: Int, start: Timestamp, now: Timestamp) -> Bool {
        attempts < maximumAttempts && now < start + maximumAge
    }
}
