/// Makes UUIDv7 job ids that increase strictly within one process, even within one millisecond
/// and when the wall clock steps back: the 12-bit `rand_a` field counts within a millisecond
/// (RFC 9562 §6.2, method 1), and the time never goes below the last one used.
struct JobIDGenerator {
    private var lastMilliseconds: Int64 = 0
    private var sequence: UInt16 = 0
    private var generator = SystemRandomNumberGenerator()

    mutating func next(at time: Timestamp) -> JobID {
        var milliseconds = max(time.millisecondsSince1970, lastMilliseconds)
        if milliseconds == lastMilliseconds {
            sequence += 1
            if sequence > 0x0FFF {
                milliseconds += 1
                sequence = UInt16.random(in: 0..<0x0400, using: &generator)
            }
        } else {
            // Start low in the millisecond so many ids fit before it runs out.
            sequence = UInt16.random(in: 0..<0x0400, using: &generator)
        }
        lastMilliseconds = milliseconds

        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(sequence >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: sequence)
        let random = generator.next() as UInt64
        for index in 8..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: random >> (8 * (15 - index)))
        }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return JobID(bytes: bytes)!
    }
}
