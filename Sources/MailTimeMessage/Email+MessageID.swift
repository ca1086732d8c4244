extension Email {
    /// A new random Message-ID, `<32 hex digits@domain>`.
    ///
    /// `domain` should be the sender's; a domain that cannot appear in a Message-ID (non-ASCII, or an
    /// address literal) is replaced by `mailtime.invalid`.
    public static func generateMessageID(domain: some StringProtocol) -> String {
        let hex = Array("0123456789abcdef".utf8)
        let values = BufferedRandom.shared.withLock { random in [random.next(), random.next()] }
        var digits = ""
        digits.reserveCapacity(32)
        for value in values {
            for shift in stride(from: 60, through: 0, by: -4) {
                digits.unicodeScalars.append(Unicode.Scalar(hex[Int((value >> UInt64(shift)) & 0xF)]))
            }
        }
        let isHostName = (1...200).contains(domain.utf8.count) && domain.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        return "<\(digits)@\(isHostName ? String(domain) : "mailtime.invalid")>"
    }
}
