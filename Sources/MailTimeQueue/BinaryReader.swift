/// Reads what ``BinaryWriter`` wrote; every read checks the bounds and throws on short input.
struct BinaryReader {
    struct Truncated: Error {}

    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func readByte() throws(Truncated) -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt32() throws(Truncated) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(try readByte()) }
        return value
    }

    mutating func readUInt64() throws(Truncated) -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(try readByte()) }
        return value
    }

    mutating func readInt64() throws(Truncated) -> Int64 {
        Int64(bitPattern: try readUInt64())
    }

    mutating func readSortableTimestamp() throws(Truncated) -> Timestamp {
        Timestamp(millisecondsSince1970: Int64(bitPattern: try readUInt64() ^ (1 << 63)))
    }

    mutating func readBytes(_ count: Int) throws(Truncated) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw Truncated() }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readString() throws(Truncated) -> String {
        let count = Int(try readUInt32())
        return String(decoding: try readBytes(count), as: UTF8.self)
    }
}
