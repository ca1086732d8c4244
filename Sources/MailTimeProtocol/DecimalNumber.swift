/// The one number syntax of requests (protocol.md, section 2): `0`, or an ASCII digit 1–9
/// followed by ASCII digits, no larger than 2^64 − 1. No sign, no leading zero, no exponent, no
/// hexadecimal, no other script's digits.
enum DecimalNumber {
    /// The value of `text`, or `nil` when it does not have the syntax above.
    static func parse(_ text: some StringProtocol) -> UInt64? {
        parse(bytes: text.utf8)
    }

    /// The value of `bytes`, or `nil` when they do not have the syntax above.
    static func parse(bytes: some Collection<UInt8>) -> UInt64? {
        guard let first = bytes.first, bytes.count <= 20, first != UInt8(ascii: "0") || bytes.count == 1 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, carried) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowed, !carried else { return nil }
            value = sum
        }
        return value
    }
}
