/// An RFC 5322 message ready for SMTP DATA, with what the SMTP transaction needs to know about it.
public struct ComposedMessage: Sendable, Hashable {
    /// The message as SMTP DATA carries it: CRLF line endings, no line longer than 998 octets, ending
    /// in CRLF, and dot-stuffed (a "." added before each line that starts with one, RFC 5321 §4.5.2),
    /// so the client appends only the final `.` line.
    public var data: [UInt8]
    /// The `<…>` Message-ID written in the message (empty for a submitted message that has none).
    public var messageID: String
    /// The envelope sender (MAIL FROM): a composed email's From mailbox, a submitted message's reverse
    /// path; `nil` for the null sender `<>`.
    public var from: EmailAddress?
    /// The envelope recipients (RCPT TO): to, cc and bcc, each once.
    public var recipients: [EmailAddress]
    /// Whether an address is non-ASCII, so MAIL FROM needs the SMTPUTF8 parameter (RFC 6531).
    public var needsSMTPUTF8: Bool
    /// Whether the message has 8-bit octets (only UTF-8 addresses in its headers; bodies are 7-bit encoded),
    /// so MAIL FROM should carry BODY=8BITMIME (RFC 6152).
    public var needs8BitMIME: Bool

    /// A message composed elsewhere; `bytes` is the message itself, stuffed here.
    public init(
        bytes: [UInt8],
        messageID: String,
        from: EmailAddress?,
        recipients: [EmailAddress],
        needsSMTPUTF8: Bool,
        needs8BitMIME: Bool
    ) {
        self.init(
            data: DotStuffing.stuffed(bytes), messageID: messageID, from: from, recipients: recipients, needsSMTPUTF8: needsSMTPUTF8,
            needs8BitMIME: needs8BitMIME)
    }

    /// A message whose `data` is already dot-stuffed and ends in CRLF.
    init(
        data: [UInt8],
        messageID: String,
        from: EmailAddress?,
        recipients: [EmailAddress],
        needsSMTPUTF8: Bool,
        needs8BitMIME: Bool
    ) {
        self.data = data
        self.messageID = messageID
        self.from = from
        self.recipients = recipients
        self.needsSMTPUTF8 = needsSMTPUTF8
        self.needs8BitMIME = needs8BitMIME
    }

    /// The message itself, not dot-stuffed, as it is written to a file.
    public var bytes: [UInt8] { DotStuffing.unstuffed(data) }
}
