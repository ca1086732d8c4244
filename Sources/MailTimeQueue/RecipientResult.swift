/// What an SMTP server answered for one recipient.
public struct RecipientResult: Hashable, Sendable {
    /// The recipient's address, as given in the email.
    public var address: String
    /// Whether the server accepted the recipient (and so must never be sent to again).
    public var accepted: Bool
    /// The server's reply code (250, 550, …); 0 when no server answered for it.
    public var replyCode: Int
    /// The server's reply text, with its enhanced status code if it gave one.
    public var reply: String

    public init(address: String, accepted: Bool, replyCode: Int, reply: String) {
        self.address = address
        self.accepted = accepted
        self.replyCode = replyCode
        self.reply = reply
    }
}
