/// What happened to one recipient in one attempt, in the form the queue stores.
public struct RecipientOutcome: Hashable, Sendable {
    public var address: String
    /// Whether the recipient got the email; an accepted recipient is never sent to again.
    public var accepted: Bool
    /// The server's reply code; 0 when no server answered for this recipient.
    public var code: Int
    /// The server's reply, or why no server answered.
    public var reply: String

    public init(address: String, accepted: Bool, code: Int, reply: String) {
        self.address = address
        self.accepted = accepted
        self.code = code
        self.reply = reply
    }
}
