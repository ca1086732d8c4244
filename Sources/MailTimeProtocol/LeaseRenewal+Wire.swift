import MailTimeModel

/// `TOUCH`'s reply after `OK`: `<deadline-ms>`, or `<deadline-ms> CANCEL_REQUESTED` when a cancel arrived.
extension LeaseRenewal {
    /// The reply's text after `OK `.
    public var replyText: String {
        cancelRequested ? "\(deadline) CANCEL_REQUESTED" : "\(deadline)"
    }

    /// Reads the reply's text after `OK `.
    public init(replyText text: some StringProtocol) throws(ProtocolError) {
        let words = text.split(separator: " ")
        guard words.count == 1 || (words.count == 2 && words[1] == "CANCEL_REQUESTED"), let deadline = Int64(words[0]) else {
            throw ProtocolError(.invalidField, "a renewal is <deadline-ms> [CANCEL_REQUESTED], not \(text.prefix(80))")
        }
        self.init(deadline: deadline, cancelRequested: words.count == 2)
    }
}
