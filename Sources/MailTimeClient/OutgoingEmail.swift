/// An email to queue with `MailTimeClient.send(_:)`: the fields of the protocol's
/// JSON email (protocol.md, `SEND`). The broker validates it; set what you need and leave the rest.
///
/// ```swift
/// var email = OutgoingEmail(from: "app@example.com", to: ["ann@example.com"], subject: "Hi", text: "Hello, {{name}}.")
/// email.variables["name"] = "Ann"
/// email.idempotencyKey = "welcome-ann"
/// ```
public struct OutgoingEmail: Hashable, Sendable {
    /// A file sent with the email.
    public struct Attachment: Hashable, Sendable {
        public var filename: String
        /// The file's bytes (sent in base64).
        public var content: [UInt8]
        /// The MIME type; the broker guesses from the file name when absent.
        public var contentType: String?
        /// Makes the attachment an inline part, referred to as `cid:<contentID>` in the html.
        public var contentID: String?

        public init(filename: String, content: [UInt8], contentType: String? = nil, contentID: String? = nil) {
            self.filename = filename
            self.content = content
            self.contentType = contentType
            self.contentID = contentID
        }
    }

    /// When the email may be sent at the earliest.
    public enum SendTime: Hashable, Sendable {
        /// Unix milliseconds.
        case unixMilliseconds(Int64)
        /// An RFC 3339 time, `2026-11-29T20:00:00Z`.
        case rfc3339(String)
    }

    /// `addr@host` or `Name <addr@host>`; may be left out when the broker has a default sender.
    public var from: String?
    public var to: [String]
    public var cc: [String]
    public var bcc: [String]
    public var replyTo: [String]
    public var subject: String?
    /// The plain-text body; at least one of `text` and `html` is needed.
    public var text: String?
    public var html: String?
    /// Custom headers (the broker refuses those it writes itself, such as `From`).
    public var headers: [String: String]
    public var attachments: [Attachment]
    public var sendAt: SendTime?
    /// A resend with the same key within the broker's window is not queued twice.
    public var idempotencyKey: String?
    /// 0–255; lower goes first. The broker's default is 128.
    public var priority: UInt8?
    /// Template variables: `{{key}}` (HTML-escaped in html) and `{{{key}}}` (raw).
    public var variables: [String: String]
    /// A layout with a `{{{html}}}` slot wrapped around the html body.
    public var template: String?
    public var tags: [String]
    /// Whether the broker may fold the email with others to the same single recipient.
    public var fold: Bool?

    public init(
        from: String? = nil,
        to: [String] = [],
        cc: [String] = [],
        bcc: [String] = [],
        subject: String? = nil,
        text: String? = nil,
        html: String? = nil
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.replyTo = []
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = [:]
        self.attachments = []
        self.variables = [:]
        self.tags = []
    }
}
