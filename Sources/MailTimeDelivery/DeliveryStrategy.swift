/// How emails are spread over the providers.
public enum DeliveryStrategy: Hashable, Sendable {
    /// The first healthy provider. An email moves to the next one after a provider failure at once,
    /// or after `temporaryFailuresBeforeNext` temporary failures (MailTime's `backup` with `failsToNext`).
    case failover(temporaryFailuresBeforeNext: Int)
    /// Weighted round-robin over the healthy providers.
    case balance
}
