/// How the client authenticates (RFC 4954). The secret is never logged or shown.
public struct SMTPCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The SASL mechanisms the client speaks.
    public enum Mechanism: String, Hashable, Sendable, CaseIterable {
        /// RFC 4616: user name and password in one response.
        case plain = "PLAIN"
        /// The de-facto LOGIN mechanism: user name and password answered to two challenges.
        case login = "LOGIN"
        /// Google's and Microsoft's XOAUTH2: the secret is an OAuth 2.0 access token.
        case xoauth2 = "XOAUTH2"
    }

    public var username: String
    /// The password, or the access token for ``Mechanism/xoauth2``.
    public var secret: String
    /// The mechanism to use; `nil` picks PLAIN, then LOGIN, among those the server offers.
    public var mechanism: Mechanism?

    public init(username: String, secret: String, mechanism: Mechanism? = nil) {
        self.username = username
        self.secret = secret
        self.mechanism = mechanism
    }

    /// The user name and mechanism; never the secret.
    public var description: String {
        "SMTPCredentials(username: \(username), secret: <redacted>, mechanism: \(mechanism?.rawValue ?? "auto"))"
    }
}
