import MailTimeJSON

extension Email {
    /// The canonical JSON form: fields in a fixed order, defaults and empty fields left out, attachment content
    /// in unwrapped base64, `send_at` in Unix milliseconds. ``init(json:limits:)`` reads it back to an equal email.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        if let messageID {
            writer.key("message_id")
            writer.string(messageID)
        }
        if let from {
            writer.key("from")
            writer.string(from.description)
        }
        // Field by field rather than through a list of pairs, which would be allocated for each email.
        Self.write(addresses: to, as: "to", into: &writer)
        Self.write(addresses: cc, as: "cc", into: &writer)
        Self.write(addresses: bcc, as: "bcc", into: &writer)
        Self.write(addresses: replyTo, as: "reply_to", into: &writer)
        Self.write(subject, as: "subject", into: &writer)
        Self.write(text, as: "text", into: &writer)
        Self.write(html, as: "html", into: &writer)
        if !headers.isEmpty {
            writer.key("headers")
            writer.beginObject()
            for header in headers {
                writer.key(header.name)
                writer.string(header.value)
            }
            writer.endObject()
        }
        if !attachments.isEmpty {
            writer.key("attachments")
            writer.beginArray()
            for attachment in attachments {
                writer.beginObject()
                writer.key("filename")
                writer.string(attachment.filename)
                writer.key("content_type")
                writer.string(attachment.contentType)
                if let contentID = attachment.contentID {
                    writer.key("content_id")
                    writer.string(contentID)
                }
                writer.key("content")
                writer.string(String(decoding: Base64.encode(attachment.content), as: UTF8.self))
                writer.endObject()
            }
            writer.endArray()
        }
        if let sendAt {
            writer.key("send_at")
            writer.integer(sendAt)
        }
        if let idempotencyKey {
            writer.key("idempotency_key")
            writer.string(idempotencyKey)
        }
        if priority != Self.defaultPriority {
            writer.key("priority")
            writer.integer(priority)
        }
        if !variables.isEmpty {
            writer.key("variables")
            writer.beginObject()
            for key in variables.keys.sorted() {
                writer.key(key)
                writer.string(variables[key]!)
            }
            writer.endObject()
        }
        if !tags.isEmpty {
            writer.key("tags")
            writer.beginArray()
            for tag in tags { writer.string(tag) }
            writer.endArray()
        }
        if fold {
            writer.key("fold")
            writer.bool(true)
        }
        if let template {
            writer.key("template")
            writer.string(template)
        }
        writer.endObject()
        return writer.bytes
    }

    private static func write(addresses: [EmailAddress], as name: String, into writer: inout JSONWriter) {
        guard !addresses.isEmpty else { return }
        writer.key(name)
        writer.beginArray()
        for address in addresses { writer.string(address.description) }
        writer.endArray()
    }

    private static func write(_ value: String?, as name: String, into writer: inout JSONWriter) {
        guard let value else { return }
        writer.key(name)
        writer.string(value)
    }
}
