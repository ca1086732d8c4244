import MailTimeJSON

extension Email {
    /// The top-level JSON fields, in the order ``jsonBytes()`` writes them.
    static let fieldNames = [
        "message_id", "from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers", "attachments",
        "send_at", "idempotency_key", "priority", "variables", "tags", "fold", "template",
    ]

    /// Each field's position in ``fieldNames``.
    private static let fieldIndices = Dictionary(uniqueKeysWithValues: fieldNames.enumerated().map { ($1, $0) })

    /// Headers the composer writes from the email's own fields; `headers` may not set them.
    public static let reservedHeaderNames: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding",
    ]

    /// The latest `send_at` that can be written: 9999-12-31T23:59:59.999Z.
    static let latestSendAt: Int64 = 253_402_300_799_999

    /// Decodes and checks an email from its JSON form; a field that is `null` counts as absent.
    ///
    /// - Throws: ``EmailValidationError`` for the first problem found, naming the field.
    public init(json bytes: [UInt8], limits: Limits = Limits()) throws(EmailValidationError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(EmailValidationError) in
            try Email(json: UnsafeRawBufferPointer(buffer), limits: limits)
        }
    }

    /// Decodes and checks an email from its JSON form in place (a `ByteBuffer`'s readable bytes, say),
    /// as ``init(json:limits:)`` does.
    public init(json bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) throws(EmailValidationError) {
        let members = try Self.members(ofJSONObject: bytes)
        var size = ContentSize(limit: limits.maximumSize)
        self.init()
        var seen: UInt32 = 0
        for member in members {
            guard let index = Self.fieldIndices[member.key] else {
                throw EmailValidationError(
                    .unknownField,
                    "\(member.key): unknown field; the fields are \(Self.fieldNames.joined(separator: ", "))"
                )
            }
            guard seen & 1 << index == 0 else {
                throw EmailValidationError(.invalidField, "\(member.key): the field appears twice")
            }
            seen |= 1 << index
            if member.value == .null { continue }
            try decodeField(member.key, member.value, limits: limits, size: &size)
        }

        if text == nil && html == nil {
            throw EmailValidationError(.noBody, "text, html: the email needs a text or an html body")
        }
        let recipientCount = to.count + cc.count + bcc.count
        if recipientCount == 0 {
            throw EmailValidationError(.noRecipient, "to, cc, bcc: the email needs at least one recipient")
        }
        if recipientCount > limits.maximumRecipients {
            throw EmailValidationError(
                .tooManyRecipients,
                "to, cc, bcc: \(recipientCount) recipients, more than the limit of \(limits.maximumRecipients)"
            )
        }
    }

    private mutating func decodeField(_ field: String, _ value: JSONValue, limits: Limits, size: inout ContentSize)
        throws(EmailValidationError)
    {
        switch field {
        case "message_id": messageID = try Self.decodeMessageID(value)
        case "from":
            if case .array(let elements) = value, elements.count != 1 {
                throw EmailValidationError(.invalidField, "from: must be exactly one address")
            }
            self.from = try Self.decodeAddresses(value, field: field, maximum: 1)[0]
        case "to", "cc", "bcc":
            // Each list alone within the limit, so that a huge one is refused before its addresses are parsed.
            let addresses = try Self.decodeAddresses(value, field: field, maximum: limits.maximumRecipients, code: .tooManyRecipients)
            switch field {
            case "to": to = addresses
            case "cc": cc = addresses
            default: bcc = addresses
            }
        case "reply_to":
            replyTo = try Self.decodeAddresses(value, field: field, maximum: limits.maximumReplyTo, code: .invalidField)
        case "subject":
            let subject = try Self.decodeString(value, field: field)
            try Self.checkLength(subject, field: field, maximum: limits.maximumSubjectLength)
            try Self.checkHeaderText(subject, field: field, code: .invalidField)
            try size.add(subject.utf8.count, field: field)
            self.subject = subject
        case "text":
            text = try Self.decodeString(value, field: field)
            try size.add(text!.utf8.count, field: field)
        case "html":
            html = try Self.decodeString(value, field: field)
            try size.add(html!.utf8.count, field: field)
        case "template":
            let template = try Self.decodeString(value, field: field)
            try Self.checkLength(template, field: field, maximum: limits.maximumTemplateLength)
            try size.add(template.utf8.count, field: field)
            self.template = template
        case "headers": headers = try Self.decodeHeaders(value, limits: limits, size: &size)
        case "attachments": attachments = try Self.decodeAttachments(value, limits: limits, size: &size)
        case "send_at": sendAt = try Self.decodeSendAt(value)
        case "idempotency_key":
            let key = try Self.decodeString(value, field: field)
            guard (1...255).contains(key.utf8.count), !Self.hasControlCharacter(key) else {
                throw EmailValidationError(
                    .invalidField, "idempotency_key: must be 1 to 255 bytes with no control characters"
                )
            }
            idempotencyKey = key
        case "priority":
            guard case .number(let text) = value, let number = Int(text), (0...255).contains(number) else {
                throw EmailValidationError(.invalidField, "priority: must be an integer from 0 to 255")
            }
            priority = UInt8(number)
        case "variables": variables = try Self.decodeVariables(value, limits: limits, size: &size)
        case "tags":
            tags = try Self.decodeArray(value, field: field, maximum: (limits.maximumTags, "tags")) {
                element, elementField throws(EmailValidationError) in
                let tag = try Self.decodeString(element, field: elementField)
                guard (1...255).contains(tag.utf8.count), !Self.hasControlCharacter(tag) else {
                    throw EmailValidationError(
                        .invalidField, "\(elementField): a tag must be 1 to 255 bytes with no control characters"
                    )
                }
                return tag
            }
        case "fold":
            guard case .bool(let fold) = value else {
                throw EmailValidationError(.invalidField, "fold: must be a boolean, not \(value.typeName)")
            }
            self.fold = fold
        default:
            preconditionFailure("\(field) is in fieldNames but has no decoder")
        }
    }

    // MARK: Values

    private static func decodeString(_ value: JSONValue, field: String) throws(EmailValidationError) -> String {
        guard case .string(let string) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be a string, not \(value.typeName)")
        }
        return string
    }

    /// The array's elements decoded in order; refused before any is decoded when there are more than
    /// `maximum.count` of them (`maximum.noun` names them in the sentence).
    private static func decodeArray<Element>(
        _ value: JSONValue,
        field: String,
        maximum: (count: Int, noun: String),
        code: EmailValidationError.Code = .invalidField,
        _ decodeElement: (JSONValue, String) throws(EmailValidationError) -> Element
    ) throws(EmailValidationError) -> [Element] {
        guard case .array(let elements) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be an array, not \(value.typeName)")
        }
        try checkCount(elements.count, field: field, maximum: maximum.count, noun: maximum.noun, code: code)
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try decodeElement(element, "\(field)[\(index)]"))
        }
        return result
    }

    /// The object's members, each key once; refused before they are looked at when there are more than
    /// `maximum.count` of them.
    private static func decodeObject(_ value: JSONValue, field: String, maximum: (count: Int, noun: String)? = nil)
        throws(EmailValidationError) -> [JSONValue.Member]
    {
        guard case .object(let members) = value else {
            throw EmailValidationError(.invalidField, "\(field): must be an object, not \(value.typeName)")
        }
        if let maximum {
            try checkCount(members.count, field: field, maximum: maximum.count, noun: maximum.noun, code: .invalidField)
        }
        var seen = Set<String>()
        for member in members where !seen.insert(member.key).inserted {
            throw EmailValidationError(.invalidField, "\(field).\(member.key): the field appears twice")
        }
        return members
    }

    /// Refuses a list of more than `maximum` elements: `tags: at most 50 tags, got 51`.
    private static func checkCount(_ count: Int, field: String, maximum: Int, noun: String, code: EmailValidationError.Code)
        throws(EmailValidationError)
    {
        guard count <= maximum else {
            throw EmailValidationError(code, "\(field): at most \(maximum) \(noun), got \(count)")
        }
    }

    /// Refuses a string of more than `maximum` UTF-8 bytes: `subject: at most 4096 bytes, got 5000`.
    private static func checkLength(
        _ string: String, field: String, maximum: Int, code: EmailValidationError.Code = .invalidField
    ) throws(EmailValidationError) {
        let length = string.utf8.count
        guard length <= maximum else {
            throw EmailValidationError(code, "\(field): at most \(maximum) bytes, got \(length)")
        }
    }

    // MARK: Fields

    private static func decodeAddresses(
        _ value: JSONValue, field: String, maximum: Int, code: EmailValidationError.Code = .invalidField
    ) throws(EmailValidationError) -> [EmailAddress] {
        if case .string(let string) = value {
            return [try EmailAddress(parsing: string, field: field)]
        }
        guard case .array = value else {
            throw EmailValidationError(
                .invalidField, "\(field): must be an address string or an array of them, not \(value.typeName)"
            )
        }
        return try decodeArray(value, field: field, maximum: (maximum, "addresses"), code: code) {
            element, elementField throws(EmailValidationError) in
            try EmailAddress(parsing: try decodeString(element, field: elementField), field: elementField)
        }
    }

    private static func decodeMessageID(_ value: JSONValue) throws(EmailValidationError) -> String {
        let id = try decodeString(value, field: "message_id")
        try checkMessageID(id)
        return id
    }

    private static func decodeHeaders(_ value: JSONValue, limits: Limits, size: inout ContentSize)
        throws(EmailValidationError) -> [Header]
    {
        var headers: [Header] = []
        for member in try decodeObject(value, field: "headers", maximum: (limits.maximumHeaders, "headers")) {
            let field = "headers.\(member.key)"
            let header = Header(name: member.key, value: try decodeString(member.value, field: field))
            try checkHeader(header)
            try checkLength(header.value, field: field, maximum: limits.maximumHeaderValueLength, code: .invalidHeader)
            try size.add(header.name.utf8.count + header.value.utf8.count, field: field)
            headers.append(header)
        }
        return headers
    }

    private static func decodeVariables(_ value: JSONValue, limits: Limits, size: inout ContentSize)
        throws(EmailValidationError) -> [String: String]
    {
        let members = try decodeObject(value, field: "variables", maximum: (limits.maximumVariables, "variables"))
        var variables: [String: String] = [:]
        variables.reserveCapacity(members.count)
        for member in members {
            let field = "variables.\(EmailValidationError.quoted(member.key, limit: 40).dropFirst().dropLast())"
            guard Template.isKey(member.key.utf8) else {
                throw EmailValidationError(
                    .invalidField, "\(field): a variable name is made of A-Z, a-z, 0-9, \"_\" and \"-\""
                )
            }
            guard member.key.utf8.count <= limits.maximumVariableNameLength else {
                throw EmailValidationError(
                    .invalidField,
                    "\(field): a variable name has at most \(limits.maximumVariableNameLength) bytes, got \(member.key.utf8.count)"
                )
            }
            let variable = try decodeString(member.value, field: field)
            try checkLength(variable, field: field, maximum: limits.maximumVariableValueLength)
            try size.add(member.key.utf8.count + variable.utf8.count, field: field)
            variables[member.key] = variable
        }
        return variables
    }

    static func decodeSendAt(_ value: JSONValue) throws(EmailValidationError) -> Int64 {
        let milliseconds: Int64?
        switch value {
        case .string(let text): milliseconds = RFC3339Time.millisecondsSince1970(text)
        case .number(let text): milliseconds = Int64(text)
        default: milliseconds = nil
        }
        guard let milliseconds, (0...latestSendAt).contains(milliseconds) else {
            throw sendAtError
        }
        return milliseconds
    }

    /// A `send_at` written as text (an `X-MailTime-Send-At` header field's body, say): what the JSON
    /// field takes, an RFC 3339 time or Unix milliseconds as digits, read the same way.
    package static func sendAt(text: String) throws(EmailValidationError) -> Int64 {
        let isNumber = !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard let milliseconds = isNumber ? Int64(text) : RFC3339Time.millisecondsSince1970(text),
            (0...latestSendAt).contains(milliseconds)
        else {
            throw sendAtError
        }
        return milliseconds
    }

    private static var sendAtError: EmailValidationError {
        EmailValidationError(
            .invalidSendAt,
            "send_at: must be an RFC 3339 time like \"2026-12-01T10:00:00Z\" "
                + "or an integer of Unix milliseconds, from 1970 to 9999"
        )
    }

    private static func decodeAttachments(_ value: JSONValue, limits: Limits, size: inout ContentSize)
        throws(EmailValidationError) -> [Attachment]
    {
        try decodeArray(value, field: "attachments", maximum: (limits.maximumAttachments, "attachments")) {
            element, field throws(EmailValidationError) in
            var filename: String?
            var content: [UInt8]?
            var contentType = Attachment.defaultContentType
            var contentID: String?
            for member in try decodeObject(element, field: field) {
                let memberField = "\(field).\(member.key)"
                if member.value == .null && member.key != "filename" && member.key != "content" { continue }
                switch member.key {
                case "filename":
                    let name = try decodeString(member.value, field: memberField)
                    try checkFilename(name, field: memberField)
                    filename = name
                case "content":
                    let text = try decodeString(member.value, field: memberField)
                    guard let bytes = Base64.decode(text.utf8) else {
                        throw EmailValidationError(.invalidAttachment, "\(memberField): is not valid base64")
                    }
                    try size.add(bytes.count, field: memberField)
                    content = bytes
                case "content_type":
                    let type = try decodeString(member.value, field: memberField)
                    try checkContentType(type, field: memberField)
                    contentType = type
                case "content_id":
                    var id = try decodeString(member.value, field: memberField)
                    if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = String(id.dropFirst().dropLast()) }
                    try checkContentID(id, field: memberField)
                    contentID = id
                default:
                    throw EmailValidationError(
                        .unknownField,
                        "\(memberField): unknown field; an attachment has filename, content, content_type and content_id"
                    )
                }
            }
            guard let filename else {
                throw EmailValidationError(.invalidAttachment, "\(field).filename: is required")
            }
            guard let content else {
                throw EmailValidationError(.invalidAttachment, "\(field).content: is required")
            }
            return Attachment(filename: filename, content: content, contentType: contentType, contentID: contentID)
        }
    }
}

extension Email {
    /// The members of the JSON object in `bytes`; refused with `INVALID_JSON` when the bytes are not JSON,
    /// and `INVALID_FIELD` when the document is not an object.
    static func members(ofJSONObject bytes: UnsafeRawBufferPointer) throws(EmailValidationError) -> [JSONValue.Member] {
        let document: JSONValue
        do throws(JSONParser.SyntaxError) {
            document = try JSONParser.parse(bytes)
        } catch {
            throw EmailValidationError(.invalidJSON, "the email is not valid JSON: \(error)")
        }
        guard case .object(let members) = document else {
            throw EmailValidationError(.invalidField, "the email must be a JSON object, not \(document.typeName)")
        }
        return members
    }
}
