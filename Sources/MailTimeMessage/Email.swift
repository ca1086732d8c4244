/// An email as producers hand it to the broker: recipients, content, attachments and delivery options.
///
/// Decode one from JSON with ``init(json:limits:)``, which checks every field; encode it back with
/// ``jsonBytes()``. ``MessageComposer`` turns it into an RFC 5322 message.
public struct Email: Sendable, Hashable {
    /// The sender; nil when the broker's default sender applies.
    public var from: EmailAddress?
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    /// Recipients that never appear in the message's headers.
    public var bcc: [EmailAddress]
    public var replyTo: [EmailAddress]
    public var subject: String?
    /// The plain-text body.
    public var text: String?
    /// The HTML body.
    public var html: String?
    /// Custom headers, in order.
    public var headers: [Header]
    public var attachments: [Attachment]
    /// When to send, in milliseconds since 1970-01-01 UTC; nil means now.
    public var sendAt: Int64?
    /// A key that makes a repeated request return the first one's result.
    public var idempotencyKey: String?
    /// 0 is the most urgent, 255 the least.
    public var priority: UInt8
    /// Values for the `{{key}}` and `{{{key}}}` placeholders of the subject, bodies and layout.
    public var variables: [String: String]
    public var tags: [String]
    /// Whether the email may be folded with others to the same recipient.
    public var fold: Bool
    /// A layout with a `{{{html}}}` slot, wrapped around the HTML body.
    public var template: String?
    /// The `<…@…>` Message-ID, assigned once so that every attempt sends the same one.
    public var messageID: String?

    /// The priority of an email that does not give one.
    public static let defaultPriority: UInt8 = 128

    public init(
        from: EmailAddress? = nil,
        to: [EmailAddress] = [],
        cc: [EmailAddress] = [],
        bcc: [EmailAddress] = [],
        replyTo: [EmailAddress] = [],
        subject: String? = nil,
        text: String? = nil,
        html: String? = nil,
        headers: [Header] = [],
        attachments: [Attachment] = [],
        sendAt: Int64? = nil,
        idempotencyKey: String? = nil,
        priority: UInt8 = Email.defaultPriority,
        variables: [String: String] = [:],
        tags: [String] = [],
        fold: Bool = false,
        template: String? = nil,
        messageID: String? = nil
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
        self.attachments = attachments
        self.sendAt = sendAt
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.variables = variables
        self.tags = tags
        self.fold = fold
        self.template = template
        self.messageID = messageID
    }

    /// Every envelope recipient: `to`, then `cc`, then `bcc`, each address once. Domains are compared
    /// ignoring case, local parts exactly (RFC 5321 §2.4 lets a server tell `Bob` from `bob`).
    public var recipients: [EmailAddress] {
        if cc.isEmpty && bcc.isEmpty && to.count == 1 { return to }
        var seen = Set<String>()
        return (to + cc + bcc).filter { seen.insert($0.localPart + "@" + $0.domain.lowercased()).inserted }
    }

    /// Whether any address has non-ASCII characters, so that sending needs SMTPUTF8 (RFC 6531).
    public var needsSMTPUTF8: Bool {
        from?.needsSMTPUTF8 == true || to.contains(where: \.needsSMTPUTF8) || cc.contains(where: \.needsSMTPUTF8)
            || bcc.contains(where: \.needsSMTPUTF8) || replyTo.contains(where: \.needsSMTPUTF8)
    }
}

extension Email {
    /// A custom header line.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
}
