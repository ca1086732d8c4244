extension Email {
    /// Checks what goes into headers: the subject, custom headers, attachment names, types and ids,
    /// and the Message-ID. ``init(json:limits:)`` does this as it decodes; the composer does it again
    /// for emails made in code.
    func checkHeaderFields() throws(EmailValidationError) {
        if let messageID { try Self.checkMessageID(messageID) }
        if let subject { try Self.checkHeaderText(subject, field: "subject", code: .invalidField) }
        for header in headers { try Self.checkHeader(header) }
        for (index, attachment) in attachments.enumerated() {
            try Self.checkFilename(attachment.filename, field: "attachments[\(index)].filename")
            try Self.checkContentType(attachment.contentType, field: "attachments[\(index)].content_type")
            if let contentID = attachment.contentID {
                try Self.checkContentID(contentID, field: "attachments[\(index)].content_id")
            }
        }
    }

    static func checkHeader(_ header: Header) throws(EmailValidationError) {
        let field = "headers.\(header.name)"
        guard (1...76).contains(header.name.utf8.count),
            header.name.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: ":") })
        else {
            throw EmailValidationError(
                .invalidHeader,
                "headers: \(EmailValidationError.quoted(header.name)) is not a header name "
                    + "(RFC 5322: 1 to 76 printable ASCII characters except \":\")"
            )
        }
        if reservedHeaderNames.contains(header.name.lowercased()) {
            throw EmailValidationError(
                .reservedHeader,
                "\(field): the composer writes this header from the email's fields; it cannot be set in headers"
            )
        }
        try checkHeaderText(header.value, field: field, code: .invalidHeader)
        if header.value.unicodeScalars.allSatisfy(\.isASCII),
            header.value.split(separator: " ").contains(where: { $0.utf8.count > 900 })
        {
            throw EmailValidationError(
                .invalidHeader,
                "\(field): has a word longer than 900 characters, which cannot be folded under 998 (RFC 5322)"
            )
        }
    }

    static func checkMessageID(_ id: String) throws(EmailValidationError) {
        try checkHeaderText(id, field: "message_id", code: .invalidField)
        guard isMessageID(id) else {
            throw EmailValidationError(
                .invalidField,
                "message_id: \(EmailValidationError.quoted(id)) is not a Message-ID like <unique@example.com>"
            )
        }
    }

    static func checkFilename(_ name: String, field: String) throws(EmailValidationError) {
        try checkHeaderText(name, field: field, code: .invalidAttachment)
        guard (1...255).contains(name.utf8.count) else {
            throw EmailValidationError(.invalidAttachment, "\(field): must be 1 to 255 bytes")
        }
    }

    static func checkContentType(_ type: String, field: String) throws(EmailValidationError) {
        guard isContentType(type) else {
            throw EmailValidationError(
                .invalidAttachment,
                "\(field): \(EmailValidationError.quoted(type)) is not a type/subtype (RFC 2045)"
            )
        }
    }

    /// A content id without its angle brackets.
    static func checkContentID(_ id: String, field: String) throws(EmailValidationError) {
        try checkHeaderText(id, field: field, code: .invalidAttachment)
        guard (1...250).contains(id.utf8.count),
            id.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !Array("<>\"\\".utf8).contains($0) })
        else {
            throw EmailValidationError(
                .invalidAttachment,
                "\(field): must be 1 to 250 printable ASCII characters without spaces, quotes or <>"
            )
        }
    }

    /// Whether `string` has a C0 or C1 control character or DEL.
    package static func hasControlCharacter(_ string: String) -> Bool {
        string.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }
    }

    /// Refuses line breaks (header injection) and other control characters but tab in text bound for a header.
    static func checkHeaderText(_ text: String, field: String, code: EmailValidationError.Code)
        throws(EmailValidationError)
    {
        for scalar in text.unicodeScalars {
            if scalar == "\r" || scalar == "\n" {
                throw EmailValidationError(
                    .headerInjection,
                    "\(field): \(EmailValidationError.quoted(text)) contains a line break (header injection)"
                )
            }
            if scalar != "\t" && (scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)) {
                throw EmailValidationError(
                    code, "\(field): \(EmailValidationError.quoted(text)) contains a control character"
                )
            }
        }
    }

    /// `<left@right>`: printable ASCII without spaces or angle brackets inside, at most 250 characters.
    static func isMessageID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count >= 5, bytes.count <= 250, bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">")
        else { return false }
        let inside = bytes.dropFirst().dropLast()
        guard let at = inside.firstIndex(of: UInt8(ascii: "@")), at > inside.startIndex, at < inside.endIndex - 1
        else { return false }
        return inside.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    /// `type/subtype`, each an RFC 2045 token.
    static func isContentType(_ type: String) -> Bool {
        let parts = type.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2
            && parts.allSatisfy { part in
                !part.isEmpty && part.utf8.count <= 127
                    && part.utf8.allSatisfy { (0x21...0x7E).contains($0) && !Array("()<>@,;:\\\"/[]?=".utf8).contains($0) }
            }
    }
}
