import MailTimeJSON

extension Email {
    /// Reads an email that was checked when it was queued, from the JSON the queue stores (``jsonBytes()``),
    /// without checking it again: no limits, no address or header syntax, no required fields. The composer
    /// still refuses what it cannot send.
    ///
    /// - Throws: ``EmailValidationError`` when the bytes are not JSON or a field has the wrong type.
    public init(storedJSON bytes: [UInt8]) throws(EmailValidationError) {
        let members = try bytes.withUnsafeBufferPointer { buffer throws(EmailValidationError) in
            try Self.members(ofJSONObject: UnsafeRawBufferPointer(buffer))
        }
        self.init()
        for member in members where member.value != .null {
            try readStoredField(member.key, member.value)
        }
    }

    private mutating func readStoredField(_ field: String, _ value: JSONValue) throws(EmailValidationError) {
        switch field {
        case "message_id": messageID = try Self.storedString(value, field: field)
        case "from": from = try Self.storedAddresses(value, field: field).first
        case "to": to = try Self.storedAddresses(value, field: field)
        case "cc": cc = try Self.storedAddresses(value, field: field)
        case "bcc": bcc = try Self.storedAddresses(value, field: field)
        case "reply_to": replyTo = try Self.storedAddresses(value, field: field)
        case "subject": subject = try Self.storedString(value, field: field)
        case "text": text = try Self.storedString(value, field: field)
        case "html": html = try Self.storedString(value, field: field)
        case "template": template = try Self.storedString(value, field: field)
        case "headers":
            headers = try Self.storedMembers(value, field: field).map { member throws(EmailValidationError) in
                Header(name: member.key, value: try Self.storedString(member.value, field: field))
            }
        case "attachments":
            attachments = try Self.storedElements(value, field: field).map(Self.storedAttachment)
        case "send_at":
            sendAt = try Self.decodeSendAt(value)
        case "idempotency_key": idempotencyKey = try Self.storedString(value, field: field)
        case "priority":
            guard case .number(let text) = value, let number = UInt8(text) else {
                throw EmailValidationError(.invalidField, "priority: must be an integer from 0 to 255")
            }
            priority = number
        case "variables":
            for member in try Self.storedMembers(value, field: field) {
                variables[member.key] = try Self.storedString(member.value, field: field)
            }
        case "tags":
            tags = try Self.storedElements(value, field: field).map { element throws(EmailValidationError) in
                try Self.storedString(element, field: field)
            }
        case "fold":
            guard case .bool(let fold) = value else {
                throw EmailValidationError(.invalidField, "fold: must be a boolean, not \(value.typeName)")
            }
            self.fold = fold
        default:
            throw EmailValidationError(.unknownField, "\(field): unknown field")
        }
    }

    private static func storedString(_ value: JSONValue, field: String) throws(EmailValidationError) -> String {
        guard case .string(let string) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be a string, not \(value.typeName)")
        }
        return string
    }

    private static func storedElements(_ value: JSONValue, field: String) throws(EmailValidationError) -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be an array, not \(value.typeName)")
        }
        return elements
    }

    private static func storedMembers(_ value: JSONValue, field: String) throws(EmailValidationError)
        -> [JSONValue.Member]
    {
        guard case .object(let members) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be an object, not \(value.typeName)")
        }
        return members
    }

    private static func storedAddresses(_ value: JSONValue, field: String) throws(EmailValidationError)
        -> [EmailAddress]
    {
        if case .string(let string) = value { return [EmailAddress(trusting: string)] }
        return try storedElements(value, field: field).map { element throws(EmailValidationError) in
            EmailAddress(trusting: try storedString(element, field: field))
        }
    }

    private static func storedAttachment(_ value: JSONValue) throws(EmailValidationError) -> Attachment {
        var attachment = Attachment(filename: "", content: [])
        for member in try storedMembers(value, field: "attachments") where member.value != .null {
            let text = try storedString(member.value, field: "attachments.\(member.key)")
            switch member.key {
            case "filename": attachment.filename = text
            case "content":
                guard let content = Base64.decode(text.utf8) else {
                    throw EmailValidationError(.invalidAttachment, "attachments.content: is not valid base64")
                }
                attachment.content = content
            case "content_type": attachment.contentType = text
            case "content_id":
                let hasBrackets = text.hasPrefix("<") && text.hasSuffix(">") && text.count >= 2
                attachment.contentID = hasBrackets ? String(text.dropFirst().dropLast()) : text
            default:
                throw EmailValidationError(.unknownField, "attachments.\(member.key): unknown field")
            }
        }
        return attachment
    }
}
