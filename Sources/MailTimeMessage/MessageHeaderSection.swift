/// The header section of an RFC 5322 message, found where it lies in the message's bytes: each field's
/// place, name and value, with nothing copied or changed, so that fields can be removed and added while
/// every other byte stays as it was.
///
/// The section ends at the first empty line; a message without one is all header section. Every line
/// must end in CRLF (the last one may have no line ending), start a field (`name:`, the name made of
/// printable ASCII but `:`, white space before the colon allowed as RFC 5322's obsolete syntax does) or
/// continue one (start with a space or a tab).
package struct MessageHeaderSection: Sendable {
    /// One header field.
    package struct Field: Sendable, Hashable {
        /// The field name as written.
        package var name: String
        /// The field's bytes: from its name to the CRLF of its last line, that CRLF included.
        package var range: Range<Int>
        /// The field body's bytes: after the colon, up to the CRLF of its last line, folds included.
        package var bodyRange: Range<Int>

        /// Whether the field is called `name`, compared ignoring ASCII case.
        package func isNamed(_ name: String) -> Bool {
            self.name.utf8.count == name.utf8.count
                && zip(self.name.utf8, name.utf8).allSatisfy { Self.lowercased($0) == Self.lowercased($1) }
        }

        private static func lowercased(_ byte: UInt8) -> UInt8 {
            (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
    }

    /// The fields, in order.
    package var fields: [Field]
    /// Where the section ends: the start of the empty line, or the end of the message when it has none.
    package var end: Int

    /// Finds the header section of `message`.
    ///
    /// - Throws: ``EmailValidationError`` (`INVALID_HEADER`) saying which line is not a header field
    ///   line, or that the message has no header section at all.
    package init(_ message: UnsafeRawBufferPointer) throws(EmailValidationError) {
        fields = []
        var offset = 0
        var number = 0
        while true {
            guard offset < message.count else {
                end = message.count
                break
            }
            number += 1
            var lineEnd = offset
            while lineEnd < message.count && message[lineEnd] != 0x0A && message[lineEnd] != 0x0D { lineEnd += 1 }
            let next: Int
            if lineEnd == message.count {
                next = lineEnd
            } else if message[lineEnd] == 0x0D && lineEnd + 1 < message.count && message[lineEnd + 1] == 0x0A {
                next = lineEnd + 2
            } else {
                throw Self.invalid(number, "has a bare CR or LF; lines end in CRLF")
            }
            if lineEnd == offset {
                guard !fields.isEmpty else {
                    throw EmailValidationError(.invalidHeader, "the message starts with an empty line: it has no header section")
                }
                end = offset
                break
            }
            if message[offset] == 0x20 || message[offset] == 0x09 {
                guard !fields.isEmpty else {
                    throw EmailValidationError(.invalidHeader, "the message starts with a folded line: it has no header section")
                }
                fields[fields.count - 1].range = fields[fields.count - 1].range.lowerBound..<next
                fields[fields.count - 1].bodyRange = fields[fields.count - 1].bodyRange.lowerBound..<lineEnd
            } else {
                guard let name = Self.fieldName(message, from: offset, to: lineEnd) else {
                    if fields.isEmpty {
                        throw EmailValidationError(.invalidHeader, "the message does not start with a header field: it has no header section")
                    }
                    throw Self.invalid(number, "is neither a header field (name: value) nor the continuation of one")
                }
                fields.append(Field(name: name.text, range: offset..<next, bodyRange: name.colon + 1..<lineEnd))
            }
            offset = next
        }
        if fields.isEmpty {
            throw EmailValidationError(.invalidHeader, "the message is empty: it has no header section")
        }
    }

    /// The name of the field that starts at `start`, and its colon; nil when the line is not a field.
    private static func fieldName(_ message: UnsafeRawBufferPointer, from start: Int, to end: Int) -> (text: String, colon: Int)? {
        var index = start
        while index < end, (33...126).contains(message[index]), message[index] != UInt8(ascii: ":") { index += 1 }
        let nameEnd = index
        while index < end, message[index] == 0x20 || message[index] == 0x09 { index += 1 }
        guard nameEnd > start, index < end, message[index] == UInt8(ascii: ":") else { return nil }
        return (String(decoding: UnsafeRawBufferPointer(rebasing: message[start..<nameEnd]), as: UTF8.self), index)
    }

    /// The field's body unfolded (line breaks before white space removed), without the white space
    /// around it; nil when it is not UTF-8.
    package static func unfoldedBody(of field: Field, in message: UnsafeRawBufferPointer) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.bodyRange.count)
        for index in field.bodyRange where message[index] != 0x0D && message[index] != 0x0A {
            bytes.append(message[index])
        }
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(validating: bytes[first...last], as: UTF8.self)
    }

    private static func invalid(_ line: Int, _ reason: String) -> EmailValidationError {
        EmailValidationError(.invalidHeader, "line \(line) of the header section \(reason)")
    }
}
