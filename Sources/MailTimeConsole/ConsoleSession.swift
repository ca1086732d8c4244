import MailTimeProtocol

/// A logged-in browser: the session cookie's value, the role of the token it logged in with, and the
/// token every state-changing request of the session must carry (CSRF).
public struct ConsoleSession: Hashable, Sendable {
    /// The cookie's value: 32 random bytes in hex.
    public var id: String
    /// The role of the token used to log in (`admin` or `viewer`).
    public var role: BrokerRole
    /// The CSRF token: 32 random bytes in hex, sent in each form as `csrf`.
    public var csrfToken: String
    /// When the session was opened.
    var openedAt: ContinuousClock.Instant
    /// When the session was last used.
    var lastUsed: ContinuousClock.Instant

    /// Whether the session may change the queue (requeue, cancel, pause, resume).
    public var mayAct: Bool { role == .admin }
}
