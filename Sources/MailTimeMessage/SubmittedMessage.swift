/// A message exactly as a client submitted it over SMTP, with its envelope: sent as it is, never composed.
///
/// The queue stores it in its own form (``storedBytes()``, read back with ``init(stored:)``), told apart
/// from a JSON email's by its first bytes (``isSubmittedMessage(_:)``).
public struct SubmittedMessage: Sendable, Hashable {
    /// The reverse path (MAIL FROM); `nil` for the null sender `<>`.
    public var reversePath: EmailAddress?
    /// The forward paths (RCPT TO), in the order they were given, each once.
    public var recipients: [EmailAddress]
    /// Whether MAIL FROM carried SMTPUTF8 (RFC 6531): the message may have UTF-8 headers and addresses.
    public var smtpUTF8: Bool
    /// Whether MAIL FROM carried BODY=8BITMIME (RFC 6152): the message may have 8-bit octets.
    public var eightBitMIME: Bool
    /// The tags the submission gave (`X-MailTime-Tags`).
    public var tags: [String]
    /// The message itself: CRLF line endings, not dot-stuffed.
    public var message: [UInt8]

    public init(
        reversePath: EmailAddress?,
        recipients: [EmailAddress],
        smtpUTF8: Bool = false,
        eightBitMIME: Bool = false,
        tags: [String] = [],
        message: [UInt8]
    ) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.smtpUTF8 = smtpUTF8
        self.eightBitMIME = eightBitMIME
        self.tags = tags
        self.message = message
    }
}
