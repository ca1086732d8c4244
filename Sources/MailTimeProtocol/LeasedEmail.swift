/// An email a `LEASE` reply hands to a sender: deliver it, then report with its id and token.
public struct LeasedEmail: Hashable, Sendable {
    /// The job id.
    public var id: String
    /// The lease's fencing token: only it can report the outcome.
    public var token: UInt64
    /// Attempts made, this one included.
    public var attempts: Int
    /// The provider index the attempt is pinned to, if any.
    public var provider: Int?
    /// The lease's end, in Unix milliseconds.
    public var deadline: Int64
    /// Recipients earlier attempts settled (accepted, or refused for good): do not send to them again.
    public var settledRecipients: [String]
    /// The stored email exactly as the broker stores it: JSON (validated, normalised, with a `message_id`),
    /// or a message submitted over SMTP in its stored form (protocol.md, "Submitted messages").
    public var email: [UInt8]

    public init(id: String, token: UInt64, attempts: Int, provider: Int?, deadline: Int64, settledRecipients: [String], email: [UInt8]) {
        self.id = id
        self.token = token
        self.attempts = attempts
        self.provider = provider
        self.deadline = deadline
        self.settledRecipients = settledRecipients
        self.email = email
    }
}
