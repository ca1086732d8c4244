import MailTimeMessage

/// Who a message is from and to, as MAIL FROM and RCPT TO carry it.
public struct SMTPEnvelope: Hashable, Sendable {
    /// The reverse path; `nil` for the null sender `<>`.
    public var sender: EmailAddress?
    /// The forward paths, each sent once.
    public var recipients: [EmailAddress]

    public init(sender: EmailAddress?, recipients: [EmailAddress]) {
        self.sender = sender
        self.recipients = recipients
    }

    /// The natural envelope of a composed message: its From, and all its recipients.
    public init(_ message: ComposedMessage) {
        self.init(sender: message.from, recipients: message.recipients)
    }
}
