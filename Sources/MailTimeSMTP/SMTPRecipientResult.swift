import MailTimeMessage

/// Whether one recipient got the message, with the server's reply or the typed failure: the SMTP
/// client's own, richer form (the router classifies by ``SMTPError/kind``). The delivery layer
/// records it as the shared `RecipientResult` (address, accepted, code, reply).
public struct SMTPRecipientResult: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The server accepted the recipient and then the message.
        case accepted(SMTPReply)
        /// The recipient did not get the message: refused at RCPT TO, or its transaction failed.
        case failed(SMTPError)
    }

    public var recipient: EmailAddress
    public var outcome: Outcome

    public init(recipient: EmailAddress, outcome: Outcome) {
        self.recipient = recipient
        self.outcome = outcome
    }

    /// Whether the recipient got the message; never send it to them again.
    public var isAccepted: Bool {
        if case .accepted = outcome { return true }
        return false
    }

    /// Why the recipient did not get the message; `nil` when accepted.
    public var failure: SMTPError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }
}
