/// RFC 2047 encoded words for non-ASCII text in headers: `=?UTF-8?Q?…?=` or `=?UTF-8?B?…?=`.
enum EncodedWord {
    /// The longest encoded word RFC 2047 §2 allows.
    static let maximumLength = 75
    /// `=?UTF-8?X?` and `?=`.
    private static let overhead = 12

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes `text` as encoded words, to be separated by folding white space (which decoders drop).
    /// The first word is at most `firstWordLength` characters, the others ``maximumLength``; a UTF-8
    /// sequence is never split between words. Q is used when shorter than B.
    static func encode(_ text: String, firstWordLength: Int = maximumLength) -> [String] {
        let qLength = text.utf8.reduce(0) { $0 + (isQLiteral($1) || $1 == 0x20 ? 1 : 3) }
        let bLength = (text.utf8.count + 2) / 3 * 4
        let useQ = qLength <= bLength
        var words: [String] = []
        var chunk: [UInt8] = []
        var chunkLength = 0
        var limit = max(firstWordLength, overhead + 12) - overhead

        func flush() {
            let payload = useQ ? qEncode(chunk) : Base64.encode(chunk)
            words.append("=?UTF-8?\(useQ ? "Q" : "B")?" + String(decoding: payload, as: UTF8.self) + "?=")
            chunk = []
            chunkLength = 0
            limit = maximumLength - overhead
        }

        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            let length =
                useQ
                ? bytes.reduce(0) { $0 + (isQLiteral($1) || $1 == 0x20 ? 1 : 3) }
                : (chunk.count + bytes.count + 2) / 3 * 4 - chunkLength
            if chunkLength + length > limit && !chunk.isEmpty { flush() }
            chunk += bytes
            chunkLength = useQ ? chunkLength + length : (chunk.count + 2) / 3 * 4
        }
        if !chunk.isEmpty || words.isEmpty { flush() }
        return words
    }

    /// Characters RFC 2047 §5 (3) lets stand for themselves in a Q word, even inside a phrase.
    private static func isQLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: "-"), UInt8(ascii: "/"):
            true
        default: false
        }
    }

    private static func qEncode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for byte in bytes {
            if isQLiteral(byte) {
                output.append(byte)
            } else if byte == 0x20 {
                output.append(UInt8(ascii: "_"))
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return output
    }
}
