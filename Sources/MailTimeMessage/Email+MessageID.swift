extension Email {
    /// A new random Message-ID, `<32 hex digits@domain>`.
    ///
    /// `domain` should be the sender's; a domain that cannot appear in a Message-ID (non-ASCII, or an
    /// address literal) is replaced by `mailtime.invalid`.
    public static func generateMessageID(domain: some StringProtocol) -> String {
        let (high, low) = BufferedRandom.shared.withLock { random in (random.next(), random.next()) }
        let digits = String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<32 {
                let value = index < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * (index % 16))) & 0x0F
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 32
        }
        let isHostName =
            (1...200).contains(domain.utf8.count)
            && domain.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
        return "<\(digits)@\(isHostName ? String(domain) : "mailtime.invalid")>"
    }
}
