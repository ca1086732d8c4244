/// Base64 (RFC 4648 §4) for attachment content and MIME bodies.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes `bytes` on one line, or on lines of `lineLength` characters ending in CRLF.
    package static func encode(_ bytes: some Collection<UInt8>, lineLength: Int? = nil) -> [UInt8] {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4 + (lineLength.map { input.count / $0 * 2 + 2 } ?? 0))
        var column = 0
        func emit(_ byte: UInt8) {
            output.append(byte)
            column += 1
            if let lineLength, column == lineLength {
                output.append(contentsOf: [0x0D, 0x0A])
                column = 0
            }
        }
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            emit(alphabet[Int(chunk >> 18 & 0x3F)])
            emit(alphabet[Int(chunk >> 12 & 0x3F)])
            emit(alphabet[Int(chunk >> 6 & 0x3F)])
            emit(alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        let remaining = input.count - index
        if remaining > 0 {
            let chunk = UInt32(input[index]) << 16 | (remaining == 2 ? UInt32(input[index + 1]) << 8 : 0)
            emit(alphabet[Int(chunk >> 18 & 0x3F)])
            emit(alphabet[Int(chunk >> 12 & 0x3F)])
            emit(remaining == 2 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            emit(UInt8(ascii: "="))
        }
        if lineLength != nil && column > 0 {
            output.append(contentsOf: [0x0D, 0x0A])
        }
        return output
    }

    /// Decodes padded base64, ignoring ASCII whitespace (so wrapped lines are accepted); nil when malformed.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var chunk: UInt32 = 0
        var count = 0
        var padding = 0
        var finished = false
        for byte in text {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case _ where finished:
                return nil
            case UInt8(ascii: "="):
                padding += 1
                guard count >= 2 else { return nil }
                chunk <<= 6
                count += 1
            default:
                let value = values[Int(byte)]
                guard value != 0xFF, padding == 0 else { return nil }
                chunk = chunk << 6 | UInt32(value)
                count += 1
            }
            if count == 4 {
                output.append(UInt8(chunk >> 16 & 0xFF))
                if padding < 2 { output.append(UInt8(chunk >> 8 & 0xFF)) }
                if padding < 1 { output.append(UInt8(chunk & 0xFF)) }
                chunk = 0
                count = 0
                finished = padding > 0
            }
        }
        guard count == 0 else { return nil }
        return output
    }
}
