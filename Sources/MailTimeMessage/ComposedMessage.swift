/// An RFC 5322 message ready for SMTP DATA, with what the SMTP transaction needs to know about it.
public struct ComposedMessage: Sendable, Hashable {
    /// The message, CRLF line endings, no line longer than 998 octets, ending in CRLF. Not dot-stuffed.
    public var bytes: [UInt8]
    /// The `<…>` Message-ID written in the message.
    public var messageID: String
    /// The From mailbox, the natural envelope sender (MAIL FROM).
    public var from: EmailAddress
    /// The envelope recipients (RCPT TO): to, cc and bcc, each once.
    public var recipients: [EmailAddress]
    /// Whether an address is non-ASCII, so MAIL FROM needs the SMTPUTF8 parameter (RFC 6531).
    public var needsSMTPUTF8: Bool
    /// Whether the message has 8-bit octets (only UTF-8 addresses in its headers; bodies are 7-bit encoded),
    /// so MAIL FROM should carry BODY=8BITMIME (RFC 6152).
    public var needs8BitMIME: Bool

    public init(
        bytes: [UInt8],
        messageID: String,
        from: EmailAddress,
        recipients: [EmailAddress],
        needsSMTPUTF8: Bool,
        needs8BitMIME: Bool
    ) {
        self.bytes = bytes
        self.messageID = messageID
        self.from = from
        self.recipients = recipients
        self.needsSMTPUTF8 = needsSMTPUTF8
        self.needs8BitMIME = needs8BitMIME
    }
}
