import MailTimeMessage

/// One attempt to deliver an email.
public struct DeliveryRequest: Sendable {
    /// What an attempt delivers.
    public enum Content: Sendable {
        /// A JSON email, composed for each attempt; a provider's default From applies when neither the
        /// email nor the composer has one.
        case email(Email, composer: MessageComposer)
        /// A message submitted over SMTP, sent as it is with its own envelope sender.
        case submitted(SubmittedMessage)
    }

    /// The job's id.
    public var id: String
    public var content: Content
    /// The recipients still to deliver to (those settled by earlier attempts are left out).
    public var recipients: [EmailAddress]
    /// Attempts made, this one included.
    public var attempt: Int
    /// The provider index an earlier attempt pinned the email to.
    public var pinnedProvider: Int?

    public init(id: String, content: Content, recipients: [EmailAddress], attempt: Int, pinnedProvider: Int?) {
        self.id = id
        self.content = content
        self.recipients = recipients
        self.attempt = attempt
        self.pinnedProvider = pinnedProvider
    }

    /// A JSON email's attempt.
    public init(id: String, email: Email, composer: MessageComposer, recipients: [EmailAddress], attempt: Int, pinnedProvider: Int?) {
        self.init(id: id, content: .email(email, composer: composer), recipients: recipients, attempt: attempt, pinnedProvider: pinnedProvider)
    }

    /// Whether the email or the composer names the sender, or the message brings its own, so that no
    /// provider's default From applies.
    var hasSender: Bool {
        switch content {
        case .email(let email, let composer): email.from != nil || composer.defaultFrom != nil
        case .submitted: true
        }
    }

    /// The message: a JSON email composed with `defaultFrom` when neither the email nor the composer
    /// names a sender; a submitted message as it is.
    func compose(defaultFrom: EmailAddress? = nil) throws(EmailValidationError) -> ComposedMessage {
        switch content {
        case .email(let email, var composer):
            if composer.defaultFrom == nil { composer.defaultFrom = defaultFrom }
            return try composer.compose(email)
        case .submitted(let message):
            return ComposedMessage(message)
        }
    }
}
