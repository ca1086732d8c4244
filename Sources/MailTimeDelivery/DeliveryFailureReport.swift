/// Why an attempt failed, as recorded with the email: a stable code, a human sentence, the provider.
public struct DeliveryFailureReport: Hashable, Sendable, CustomStringConvertible {
    /// `SMTP_TEMPORARY`, `SMTP_PERMANENT`, `SMTP_PROVIDER`, `NO_PROVIDER`, `COMPOSE_FAILED`, …
    public var code: String
    public var text: String
    /// The provider's name, when one was involved.
    public var provider: String?

    public init(code: String, text: String, provider: String? = nil) {
        self.code = code
        self.text = text
        self.provider = provider
    }

    public var description: String { "\(code): \(text)" + (provider.map { " (provider \($0))" } ?? "") }
}
