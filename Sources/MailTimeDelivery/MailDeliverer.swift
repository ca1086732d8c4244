/// Where senders hand composed emails: SMTP providers (``ProviderRouter``) or, in the broker, an outbox directory.
public protocol MailDeliverer: Sendable {
    /// A short name for logs.
    var name: String { get }
    /// Delivers one attempt and says what to record. Never throws: every failure is an outcome.
    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome
}
