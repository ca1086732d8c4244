import MailTimeMessage

extension FuzzTarget {
    /// ``QuotedPrintable`` on any bytes: they decode without a crash, to at most as many bytes; when
    /// the result is UTF-8 text, it is encoded (lines of at most 76 7-bit characters, no white space
    /// at a line's end) and decoded back to itself, line breaks as CRLF.
    static let quotedPrintable = FuzzTarget(
        name: "quoted-printable",
        summary: "QuotedPrintable: decode any bytes; encode then decode any text"
    ) { input in
        let decoded = QuotedPrintable.decode(input)
        precondition(decoded.count <= input.count, "\(input.count) bytes decoded to \(decoded.count)")
        if !input.contains(UInt8(ascii: "=")) && !input.contains(0x20) && !input.contains(0x09) {
            precondition(decoded == input, "bytes with nothing to decode changed")
        }
        for text in [String(validating: input, as: UTF8.self), String(validating: decoded, as: UTF8.self)] {
            guard let text else { continue }
            for endingInCRLF in [false, true] {
                let encoded = QuotedPrintable.encode(text, endingInCRLF: endingInCRLF)
                precondition(encoded.allSatisfy { $0 < 0x80 }, "the encoding is not 7-bit")
                for line in encoded.split(separator: 0x0A, omittingEmptySubsequences: false) {
                    let content = line.last == 0x0D ? line.dropLast() : line[...]
                    precondition(content.count <= 76, "an encoded line has \(content.count) characters")
                    precondition(content.last != 0x20 && content.last != 0x09, "an encoded line ends in white space")
                }
                precondition(QuotedPrintable.decode(encoded) == QuotedPrintableFuzzing.crlfLines(text), "text does not decode back")
            }
        }
    }
}

enum QuotedPrintableFuzzing {
    /// `text`'s bytes with each line break (CRLF, CR or LF) written as CRLF, as the encoder writes them.
    static func crlfLines(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                output += [0x0D, 0x0A]
                index += index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
            case 0x0A:
                output += [0x0D, 0x0A]
                index += 1
            default:
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }
}
