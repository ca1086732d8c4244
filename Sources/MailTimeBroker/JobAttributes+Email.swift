import MailTimeMessage
import MailTimeQueue

extension JobAttributes {
    /// What an email queued with `SEND` is searched by: its recipients, sender and tags.
    init(_ email: Email) {
        self.init(recipients: email.recipients.map(\.address), sender: email.from?.address, tags: email.tags)
    }

    /// What a message submitted over SMTP is searched by: its envelope and tags.
    init(_ message: SubmittedMessage) {
        self.init(recipients: message.recipients.map(\.address), sender: message.reversePath?.address, tags: message.tags)
    }

    /// Reads the attributes of a stored payload (either form), for indexing a store written before
    /// the search indexes existed; `nil` when the payload cannot be read.
    init?(storedPayload payload: [UInt8]) {
        if SubmittedMessage.isSubmittedMessage(payload) {
            guard let message = try? SubmittedMessage(stored: payload) else { return nil }
            self.init(message)
        } else {
            guard let email = try? Email(storedJSON: payload) else { return nil }
            self.init(email)
        }
    }
}
