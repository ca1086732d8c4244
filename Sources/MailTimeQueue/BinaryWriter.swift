/// Appends fixed-width big-endian integers and length-prefixed strings to a byte array.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 128) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func write(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: value))
    }

    /// A timestamp whose bytes sort in time order (the sign bit flipped).
    mutating func write(sortable time: Timestamp) {
        write(UInt64(bitPattern: time.millisecondsSince1970) ^ (1 << 63))
    }

    mutating func write(_ text: String) {
        let utf8 = text.utf8
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func write(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }
}
