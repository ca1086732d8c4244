/// Quoted-printable (RFC 2045 §6.7) for text bodies: 7-bit lines of at most 76 characters.
enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included.
    static let maximumLineLength = 76

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes `text`, turning each of its line breaks (CRLF, LF or CR) into a CRLF hard break.
    /// The result has no CRLF after its last line unless `text` ends with a line break; with
    /// `endingInCRLF`, a last line without one ends in a soft break, which adds nothing to the text.
    static func encode(_ text: String, endingInCRLF: Bool = false) -> [UInt8] {
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 8 + 3)
            var lineLength = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A {
                    output.append(0x0D)
                    output.append(0x0A)
                    lineLength = 0
                    index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                    continue
                }
                let isLast = index + 1 == bytes.count
                let lastOnLine = isLast || bytes[index + 1] == 0x0D || bytes[index + 1] == 0x0A
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !lastOnLine)
                let length = literal ? 1 : 3
                // A soft break needs one column for its "="; the last token of a line does not,
                // unless the text will end in a soft break.
                let room = lastOnLine && !(endingInCRLF && isLast) ? maximumLineLength : maximumLineLength - 1
                if lineLength + length > room {
                    output.append(UInt8(ascii: "="))
                    output.append(0x0D)
                    output.append(0x0A)
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(hex[Int(byte >> 4)])
                    output.append(hex[Int(byte & 0x0F)])
                }
                lineLength += length
                index += 1
            }
            if endingInCRLF && !output.isEmpty && output.last != 0x0A {
                output += [UInt8(ascii: "="), 0x0D, 0x0A]
            }
            return output
        }
    }
}
