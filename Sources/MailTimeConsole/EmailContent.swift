import MailTimeMessage

/// What the console shows of a stored email: its envelope, headers, bodies and attachments, read from
/// the payload the queue stores (a JSON email, or a message submitted over SMTP, shown as received).
struct EmailContent: Hashable, Sendable {
    /// One attachment, without its content.
    struct Attachment: Hashable, Sendable {
        var filename: String
        var contentType: String
        var size: Int
        /// Whether it is an inline part (it has a Content-ID).
        var isInline: Bool
    }

    /// One header field.
    struct Header: Hashable, Sendable {
        var name: String
        var value: String
    }

    /// Whether the email came over SMTP submission: its headers and body are the message as received.
    var isSubmitted = false
    var from: String?
    var to: [String] = []
    var cc: [String] = []
    var bcc: [String] = []
    var replyTo: [String] = []
    var subject: String?
    var messageID: String?
    var tags: [String] = []
    /// Custom headers (JSON email) or the message's header fields, unfolded (submitted).
    var headers: [Header] = []
    /// The text body (JSON email) or the raw message body (submitted, up to ``maximumRawBody`` bytes).
    var text: String?
    /// The HTML body of a JSON email.
    var html: String?
    var attachments: [Attachment] = []

    /// The most of a submitted message's body shown.
    static let maximumRawBody = 256 * 1024

    /// Reads a stored payload; throws ``EmailValidationError`` when it is neither form.
    init(payload: [UInt8]) throws(EmailValidationError) {
        if SubmittedMessage.isSubmittedMessage(payload) {
            let message = try SubmittedMessage(stored: payload)
            isSubmitted = true
            from = message.reversePath?.description ?? "<>"
            to = message.recipients.map(\.description)
            tags = message.tags
            let (fields, body) = Self.split(message.message)
            headers = fields
            subject = fields.first { $0.name.lowercased() == "subject" }?.value
            messageID = fields.first { $0.name.lowercased() == "message-id" }?.value
            text = String(decoding: body.prefix(Self.maximumRawBody), as: UTF8.self)
        } else {
            let email = try Email(storedJSON: payload)
            from = email.from?.description
            to = email.to.map(\.description)
            cc = email.cc.map(\.description)
            bcc = email.bcc.map(\.description)
            replyTo = email.replyTo.map(\.description)
            subject = email.subject
            messageID = email.messageID
            tags = email.tags
            headers = email.headers.map { Header(name: $0.name, value: $0.value) }
            text = email.text
            html = email.html
            attachments = email.attachments.map {
                Attachment(filename: $0.filename, contentType: $0.contentType, size: $0.content.count, isInline: $0.isInline)
            }
        }
    }

    /// A message's header fields (unfolded) and its body.
    private static func split(_ message: [UInt8]) -> (fields: [Header], body: ArraySlice<UInt8>) {
        var end = message.endIndex
        var bodyStart = message.endIndex
        var index = message.startIndex
        while index + 3 < message.endIndex {
            if message[index] == 0x0D, message[index + 1] == 0x0A, message[index + 2] == 0x0D, message[index + 3] == 0x0A {
                end = index
                bodyStart = index + 4
                break
            }
            index += 1
        }
        let section = String(decoding: message[..<end], as: UTF8.self)
        var fields: [Header] = []
        for line in section.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].value += " " + line.drop { $0 == " " || $0 == "\t" }
            } else if let colon = line.firstIndex(of: ":") {
                fields.append(Header(name: String(line[..<colon]), value: String(line[line.index(after: colon)...].drop { $0 == " " })))
            }
        }
        return (fields, message[bodyStart...])
    }
}
