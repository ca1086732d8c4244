extension OutgoingEmail {
    /// The email as the protocol's JSON object, compact, in UTF-8: the `SEND` payload.
    public var jsonBytes: [UInt8] {
        jsonValue.serialized
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        object["from"] = from.map(JSONValue.string)
        for (key, addresses) in [("to", to), ("cc", cc), ("bcc", bcc), ("reply_to", replyTo)] where !addresses.isEmpty {
            object[key] = .array(addresses.map(JSONValue.string))
        }
        object["subject"] = subject.map(JSONValue.string)
        object["text"] = text.map(JSONValue.string)
        object["html"] = html.map(JSONValue.string)
        if !headers.isEmpty { object["headers"] = .object(headers.mapValues(JSONValue.string)) }
        if !attachments.isEmpty {
            object["attachments"] = .array(attachments.map { attachment in
                var item: [String: JSONValue] = [
                    "filename": .string(attachment.filename),
                    "content": .string(Base64.encode(attachment.content)),
                ]
                item["content_type"] = attachment.contentType.map(JSONValue.string)
                item["content_id"] = attachment.contentID.map(JSONValue.string)
                return .object(item)
            })
        }
        switch sendAt {
        case .unixMilliseconds(let milliseconds): object["send_at"] = .integer(milliseconds)
        case .rfc3339(let text): object["send_at"] = .string(text)
        case nil: break
        }
        object["idempotency_key"] = idempotencyKey.map(JSONValue.string)
        object["priority"] = priority.map { .integer(Int64($0)) }
        if !variables.isEmpty { object["variables"] = .object(variables.mapValues(JSONValue.string)) }
        object["template"] = template.map(JSONValue.string)
        if !tags.isEmpty { object["tags"] = .array(tags.map(JSONValue.string)) }
        object["fold"] = fold.map(JSONValue.bool)
        return .object(object)
    }
}
