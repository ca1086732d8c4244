import MailTimeMessage

/// One attempt to deliver an email.
public struct DeliveryRequest: Sendable {
    /// The job's id.
    public var id: String
    public var email: Email
    /// Composes the email; a provider's default From applies when neither the email nor the composer has one.
    public var composer: MessageComposer
    /// The recipients still to deliver to (those settled by earlier attempts are left out).
    public var recipients: [EmailAddress]
    /// Attempts made, this one included.
    public var attempt: Int
    /// The provider index an earlier attempt pinned the email to.
    public var pinnedProvider: Int?

    public init(id: String, email: Email, composer: MessageComposer, recipients: [EmailAddress], attempt: Int, pinnedProvider: Int?) {
        self.id = id
        self.email = email
        self.composer = composer
        self.recipients = recipients
        self.attempt = attempt
        self.pinnedProvider = pinnedProvider
    }

    /// Whether the email or the composer names the sender, so that no provider's default From applies.
    var hasSender: Bool { email.from != nil || composer.defaultFrom != nil }

    /// The message, composed with `defaultFrom` when neither the email nor the composer names a sender.
    func compose(defaultFrom: EmailAddress? = nil) throws(EmailValidationError) -> ComposedMessage {
        var composer = composer
        if composer.defaultFrom == nil { composer.defaultFrom = defaultFrom }
        return try composer.compose(email)
    }
}
