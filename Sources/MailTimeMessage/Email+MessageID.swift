extension Email {
    /// A new random Message-ID, `<32 hex digits@domain>`.
    ///
    /// `domain` should be the sender's; a domain that cannot appear in a Message-ID (non-ASCII, or an
    /// address literal) is replaced by `mailtime.invalid`.
    public static func generateMessageID(domain: some StringProtocol) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        let isHostName = (1...200).contains(domain.utf8.count) && domain.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        return "<\(digits)@\(isHostName ? String(domain) : "mailtime.invalid")>"
    }
}
