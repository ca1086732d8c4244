/// What happened to one recipient in one delivery attempt: what the queue stores, senders report
/// and `STATUS` shows (`{"address","accepted","code","reply"}`).
public struct RecipientResult: Hashable, Sendable {
    /// The recipient's address, as given in the email.
    public var address: String
    /// Whether the recipient got the email; an accepted recipient is never sent to again.
    public var accepted: Bool
    /// The server's reply code (250, 451, 550…); 0 when no server answered for this recipient.
    public var code: Int
    /// The server's reply (with its enhanced status code if it gave one), or why no server answered.
    public var reply: String

    public init(address: String, accepted: Bool, code: Int = 0, reply: String = "") {
        self.address = address
        self.accepted = accepted
        self.code = code
        self.reply = reply
    }

    /// Whether the result settles the recipient: accepted, or refused with a permanent reply that
    /// is not a policy (5.7.x) refusal another provider might not make.
    public var isSettled: Bool {
        accepted || ((500..<600).contains(code) && !reply.hasPrefix("5.7."))
    }
}
