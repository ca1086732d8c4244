import NIOCore

/// One mail transaction the server received in full: the envelope and the message.
public struct SMTPServerTransaction: Hashable, Sendable {
    /// The body type declared by `MAIL FROM`'s `BODY=` parameter (RFC 6152).
    public enum BodyType: Hashable, Sendable {
        /// `BODY=7BIT`, or no `BODY=` parameter.
        case sevenBit
        /// `BODY=8BITMIME`.
        case eightBitMIME
    }

    /// The reverse path without its angle brackets, exactly as given; `""` is the null sender (`MAIL FROM:<>`).
    public var reversePath: String
    /// The forward paths of the accepted `RCPT TO` commands, without angle brackets, in order; at least one.
    public var recipients: [String]
    /// Whether `MAIL FROM` carried the `SMTPUTF8` parameter (RFC 6531).
    public var isSMTPUTF8: Bool
    /// The body type `MAIL FROM` declared.
    public var bodyType: BodyType
    /// The `SIZE=` parameter of `MAIL FROM` (RFC 1870), if given.
    public var declaredSize: Int?
    /// The message exactly as received, after DATA's dot-unstuffing: CRLF line endings, ending in CRLF
    /// (or empty).
    public var message: ByteBuffer

    public init(
        reversePath: String,
        recipients: [String],
        isSMTPUTF8: Bool,
        bodyType: BodyType,
        declaredSize: Int?,
        message: ByteBuffer
    ) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.isSMTPUTF8 = isSMTPUTF8
        self.bodyType = bodyType
        self.declaredSize = declaredSize
        self.message = message
    }
}
