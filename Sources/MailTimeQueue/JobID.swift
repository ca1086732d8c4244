/// A job's identifier: a UUID version 7, whose first 48 bits are the creation time in milliseconds,
/// so ids sort by creation time as bytes and as strings.
public struct JobID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 16 bytes of the UUID, big-endian.
    public let bytes: [UInt8]

    /// An id from its 16 bytes; `nil` unless there are exactly 16.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses the canonical text form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case).
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var index = 0
        while index < 36 {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard let high = Self.hexValue(utf8[index]), let low = Self.hexValue(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }

    /// The creation time carried in the id's first 48 bits.
    public var timestamp: Timestamp {
        var milliseconds: Int64 = 0
        for byte in bytes[0..<6] { milliseconds = milliseconds << 8 | Int64(byte) }
        return Timestamp(millisecondsSince1970: milliseconds)
    }

    /// The canonical lower-case text form.
    public var description: String {
        String(unsafeUninitializedCapacity: 36) { text in
            func digit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
            var count = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[count] = UInt8(ascii: "-")
                    count += 1
                }
                text[count] = digit(byte >> 4)
                text[count + 1] = digit(byte & 0x0F)
                count += 2
            }
            return count
        }
    }

    public static func < (lhs: JobID, rhs: JobID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
