/// Quoted-printable (RFC 2045 §6.7) for text bodies: 7-bit lines of at most 76 characters.
package enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included.
    static let maximumLineLength = 76

    /// Encodes `text`, turning each of its line breaks (CRLF, LF or CR) into a CRLF hard break.
    /// The result has no CRLF after its last line unless `text` ends with a line break; with
    /// `endingInCRLF`, a last line without one ends in a soft break, which adds nothing to the text.
    /// With `dotStuffing`, a "." that starts a line is written twice, as SMTP DATA carries it (RFC 5321
    /// §4.5.2); the line lengths are those of the lines without it.
    package static func encode(_ text: String, endingInCRLF: Bool = false, dotStuffing: Bool = false) -> [UInt8] {
        var text = text
        return text.withUTF8 { bytes in
            // Each byte takes at most 3 columns (a stuffed "." 2); soft breaks add 3 bytes per line of at least 73.
            let capacity = 3 * bytes.count + 3 * (3 * bytes.count / 73 + 2)
            return [UInt8](unsafeUninitializedCapacity: capacity) { output, count in
                var written = 0
                func put(_ byte: UInt8) {
                    output[written] = byte
                    written += 1
                }
                var lineLength = 0
                var index = 0
                while index < bytes.count {
                    // Fast path: a run of bytes written as they are, none of them the last on its line,
                    // copied a line's room at a time.
                    var runEnd = index
                    // Eight printable bytes at a time, while the byte after them is no line break.
                    while runEnd + 8 < bytes.count, isPrintable(word: UnsafeRawPointer(bytes.baseAddress! + runEnd).loadUnaligned(as: UInt64.self)),
                        bytes[runEnd + 8] != 0x0D, bytes[runEnd + 8] != 0x0A
                    {
                        runEnd += 8
                    }
                    while runEnd + 1 < bytes.count, isPlain(bytes[runEnd]), bytes[runEnd + 1] != 0x0D, bytes[runEnd + 1] != 0x0A {
                        runEnd += 1
                    }
                    while index < runEnd {
                        if lineLength >= maximumLineLength - 1 {
                            put(UInt8(ascii: "="))
                            put(0x0D)
                            put(0x0A)
                            lineLength = 0
                        }
                        if dotStuffing && lineLength == 0 && bytes[index] == UInt8(ascii: ".") { put(UInt8(ascii: ".")) }
                        let count = min(runEnd - index, maximumLineLength - 1 - lineLength)
                        UnsafeMutableRawPointer(output.baseAddress! + written)
                            .copyMemory(from: bytes.baseAddress! + index, byteCount: count)
                        written += count
                        lineLength += count
                        index += count
                    }
                    guard index < bytes.count else { break }
                    let byte = bytes[index]
                    if byte == 0x0D || byte == 0x0A {
                        put(0x0D)
                        put(0x0A)
                        lineLength = 0
                        index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                        continue
                    }
                    let isLast = index + 1 == bytes.count
                    let lastOnLine = isLast || bytes[index + 1] == 0x0D || bytes[index + 1] == 0x0A
                    let literal =
                        (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                        || ((byte == 0x20 || byte == 0x09) && !lastOnLine)
                    let length = literal ? 1 : 3
                    // A soft break needs one column for its "="; the last token of a line does not,
                    // unless the text will end in a soft break.
                    let room = lastOnLine && !(endingInCRLF && isLast) ? maximumLineLength : maximumLineLength - 1
                    if lineLength + length > room {
                        put(UInt8(ascii: "="))
                        put(0x0D)
                        put(0x0A)
                        lineLength = 0
                    }
                    if literal {
                        if dotStuffing && lineLength == 0 && byte == UInt8(ascii: ".") { put(byte) }
                        put(byte)
                    } else {
                        put(UInt8(ascii: "="))
                        put(hexDigit(byte >> 4))
                        put(hexDigit(byte & 0x0F))
                    }
                    lineLength += length
                    index += 1
                }
                if endingInCRLF && written > 0 && output[written - 1] != 0x0A {
                    put(UInt8(ascii: "="))
                    put(0x0D)
                    put(0x0A)
                }
                count = written
            }
        }
    }

    /// Decodes quoted-printable as a robust decoder does (RFC 2045 §6.7): `=XX` (hexadecimal digits
    /// in either case) is the byte XX; `=` at the end of a line is a soft break and goes with its
    /// line break (CRLF or a bare LF), spaces and tabs between them included; spaces and tabs at
    /// the end of a line are transport padding and are dropped; hard line breaks stay as they are;
    /// an `=` that starts neither is kept as it is. Any input decodes.
    package static func decode(_ encoded: some Collection<UInt8>) -> [UInt8] {
        let input = Array(encoded)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == 0x20 || byte == 0x09 {
                // White space is kept unless only white space follows it on its line.
                var end = index
                while end < input.count, input[end] == 0x20 || input[end] == 0x09 { end += 1 }
                if end < input.count, !isLineBreak(input, at: end) {
                    output.append(contentsOf: input[index..<end])
                }
                index = end
                continue
            }
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            var end = index + 1
            while end < input.count, input[end] == 0x20 || input[end] == 0x09 { end += 1 }
            if end == input.count {
                // A soft break on the last line, its line break lost in transport.
                index = end
            } else if isLineBreak(input, at: end) {
                index = end + (input[end] == 0x0D ? 2 : 1)
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// Whether a line break, CRLF or a bare LF, starts at `index`.
    private static func isLineBreak(_ bytes: [UInt8], at index: Int) -> Bool {
        bytes[index] == 0x0A || (bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Whether each byte of `word` is from 0x20 to 0x7E and not "=": written as it is wherever it is
    /// not the last on its line.
    private static func isPrintable(word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let equals = word ^ (ones &* 0x3D)
        // A byte below 0x20, above 0x7E, or zero after the XOR with "=" (as JSONStringScanner tests).
        let below = (word &- ones &* 0x20) & ~word
        let above = (word &+ ones) | word
        let isEquals = (equals &- ones) & ~equals
        return (below | above | isEquals) & highBits == 0
    }

    /// Whether `byte` is written as it is wherever it is not the last on its line.
    private static func isPlain(_ byte: UInt8) -> Bool {
        (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || byte == 0x20 || byte == 0x09
    }

    /// The upper-case hexadecimal digit for a value below 16.
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
