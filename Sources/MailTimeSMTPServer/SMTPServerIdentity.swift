/// Who a client authenticated as, as the delegate's ``SMTPServerDelegate/authenticate(username:password:session:)`` decided.
public struct SMTPServerIdentity: Hashable, Sendable {
    /// The user name the client gave (free text, for logs).
    public var username: String
    /// The sender domains this login may use in `MAIL FROM`, compared without regard to case and as
    /// IDNA A-labels; `nil` allows any.
    public var allowedSenderDomains: [String]?

    public init(username: String, allowedSenderDomains: [String]? = nil) {
        self.username = username
        self.allowedSenderDomains = allowedSenderDomains
    }
}
