/// The outcome of sending one message: a result for every recipient. Only recipients with
/// ``SMTPRecipientResult/isAccepted`` got it.
public struct SMTPDeliveryResult: Hashable, Sendable {
    /// One result per envelope recipient, in envelope order.
    public var recipients: [SMTPRecipientResult]
    /// The reply to the last final "."; `nil` when no recipient was accepted.
    public var dataReply: SMTPReply?

    public init(recipients: [SMTPRecipientResult], dataReply: SMTPReply?) {
        self.recipients = recipients
        self.dataReply = dataReply
    }

    /// The recipients that got the message.
    public var accepted: [SMTPRecipientResult] { recipients.filter(\.isAccepted) }
    /// The recipients that did not.
    public var failed: [SMTPRecipientResult] { recipients.filter { !$0.isAccepted } }
}
