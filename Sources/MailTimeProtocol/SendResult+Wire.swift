/// `SEND`'s reply after `OK`: `<id>`, or `<id> DUPLICATE` when the idempotency key was seen before.
extension SendResult {
    /// The reply's text after `OK `.
    public var replyText: String {
        isDuplicate ? "\(id) DUPLICATE" : id
    }

    /// Reads the reply's text after `OK `.
    public init(replyText text: some StringProtocol) throws(ProtocolError) {
        let words = text.split(separator: " ")
        guard words.count == 1 || (words.count == 2 && words[1] == "DUPLICATE") else {
            throw ProtocolError(.invalidField, "a SEND reply is <id> [DUPLICATE], not \(text.prefix(80))")
        }
        self.init(id: String(words[0]), isDuplicate: words.count == 2)
    }
}
