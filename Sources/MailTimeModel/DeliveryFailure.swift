/// Why a delivery attempt failed: what a sender reports with `RETRY` or `FAIL`, what the queue
/// records with the email, and what `STATUS` shows as `last_error` (`{"code","text","provider","at"}`).
public struct DeliveryFailure: Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable code.
    public var code: Code
    /// What happened, for people (usually with the server's reply).
    public var text: String
    /// The provider the attempt went to, if one was involved.
    public var provider: String?
    /// When the failure was recorded, in Unix milliseconds; the queue sets it.
    public var at: Int64?

    public init(code: Code, text: String, provider: String? = nil, at: Int64? = nil) {
        self.code = code
        self.text = text
        self.provider = provider
        self.at = at
    }

    public var description: String { "\(code): \(text)" + (provider.map { " (provider \($0))" } ?? "") }
}
