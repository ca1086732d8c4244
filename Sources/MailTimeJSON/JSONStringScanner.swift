/// Finds the bytes of a JSON string that need attention: `"`, `\` and control characters.
///
/// Strings in emails are mostly long runs of ordinary text, so the scan reads eight bytes at a time.
enum JSONStringScanner {
    /// The index of the first byte at or after `start` that is `"`, `\` or below 0x20; `buffer.count` if none.
    static func firstSpecialByte(in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = buffer.baseAddress else { return buffer.count }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while index + 8 <= buffer.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            // A byte of x is zero, or below n (n ≤ 0x80), where (x - n·ones) & ~x & highBits is set.
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if special & highBits != 0 { break }
            index += 8
        }
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return index }
            index += 1
        }
        return buffer.count
    }

    /// Whether every byte is below 0x80: such bytes are valid UTF-8 as they are.
    static func isASCII(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var seen: UInt64 = 0
        var index = 0
        while index + 8 <= buffer.count {
            seen |= UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            index += 8
        }
        while index < buffer.count {
            seen |= UInt64(buffer[index])
            index += 1
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }
}
