import Metrics

/// One provider's metrics, through swift-metrics (nothing is recorded until the process bootstraps
/// a metrics backend):
///
/// - `mailtime_sends_total{provider, outcome}`: attempts by outcome, `sent`, `deferred`, `failed`
///   or `provider_error` (the provider itself failed; the next provider is tried at once);
/// - `mailtime_send_duration_seconds{provider}`: how long each attempt took;
/// - `mailtime_provider_up{provider}`: 1 while the provider is in use, 0 while its circuit breaker keeps it out.
package struct ProviderMetrics: Sendable {
    /// How an attempt through a provider ended.
    package enum Outcome: String, CaseIterable, Sendable {
        case sent
        case deferred
        case failed
        case providerError = "provider_error"

        /// The outcome a deliverer reports.
        package init(_ outcome: DeliveryOutcome) {
            switch outcome {
            case .sent: self = .sent
            case .retry: self = .deferred
            case .fail: self = .failed
            }
        }
    }

    private let sends: [Outcome: Counter]
    private let duration: Timer
    private let up: Gauge

    /// The metrics of the provider named `provider`, which starts up.
    package init(provider: String) {
        var sends: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            sends[outcome] = Counter(label: "mailtime_sends_total", dimensions: [("provider", provider), ("outcome", outcome.rawValue)])
        }
        self.sends = sends
        duration = Timer(label: "mailtime_send_duration_seconds", dimensions: [("provider", provider)])
        up = Gauge(label: "mailtime_provider_up", dimensions: [("provider", provider)])
        up.record(1)
    }

    /// Counts one attempt and records how long it took.
    package func recordAttempt(_ outcome: Outcome, duration: Duration) {
        sends[outcome]?.increment()
        self.duration.record(duration: duration)
    }

    /// Whether the provider is in use now.
    package func recordHealth(isUp: Bool) {
        up.record(isUp ? 1 : 0)
    }
}
