/// Where senders hand composed emails: SMTP providers (``ProviderRouter``) or, in the broker, an outbox directory.
public protocol MailDeliverer: Sendable {
    /// A short name for logs.
    var name: String { get }
    /// Delivers one attempt and says what to record. Never throws: every failure is an outcome.
    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome
    /// Delivers one attempt as ``deliver(_:)`` does and names the provider that gave the outcome,
    /// for the email's attempt history.
    func deliverNamingProvider(_ request: DeliveryRequest) async -> (outcome: DeliveryOutcome, provider: String?)
}

extension MailDeliverer {
    /// The outcome of ``deliver(_:)``, from the provider its failure names, or else this deliverer.
    public func deliverNamingProvider(_ request: DeliveryRequest) async -> (outcome: DeliveryOutcome, provider: String?) {
        let outcome = await deliver(request)
        switch outcome {
        case .sent: return (outcome, name)
        case .retry(let failure, _, _, _), .fail(let failure, _): return (outcome, failure.provider ?? name)
        }
    }
}
