/// What the SMTP server asks of the application behind it: checking logins and taking messages.
///
/// Both methods are called from a task while the session waits (it reads nothing more from the client
/// until the answer arrives); they may run concurrently for different sessions.
public protocol SMTPServerDelegate: Sendable {
    /// Checks a login from AUTH PLAIN or LOGIN; returns who it is, or `nil` to refuse it (535 5.7.8).
    func authenticate(username: String, password: String, session: SMTPServerSession) async -> SMTPServerIdentity?

    /// Takes one received transaction. The reply to the client waits for the verdict, so
    /// ``SMTPServerVerdict/accepted(id:)`` must only be returned once the message is stored durably.
    func receive(_ transaction: SMTPServerTransaction, session: SMTPServerSession) async -> SMTPServerVerdict
}
