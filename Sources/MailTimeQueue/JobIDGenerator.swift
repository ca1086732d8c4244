/// Makes UUIDv7 job ids that increase strictly within one process, even within one millisecond
/// and when the wall clock steps back: the 12-bit `rand_a` field counts within a millisecond
/// (RFC 9562 §6.2, method 1), and the time never goes below the last one used.
///
/// The random bits come from the system's CSPRNG once per millisecond; the ids within that
/// millisecond take theirs from SplitMix64 seeded with it, which saves a system call per id.
struct JobIDGenerator {
    private var lastMilliseconds: Int64 = 0
    private var sequence: UInt16 = 0
    private var generator = SystemRandomNumberGenerator()
    private var mixer: UInt64 = 0

    mutating func next(at time: Timestamp) -> JobID {
        var milliseconds = max(time.millisecondsSince1970, lastMilliseconds)
        if milliseconds == lastMilliseconds {
            sequence += 1
            if sequence > 0x0FFF {
                milliseconds += 1
                startMillisecond()
            }
        } else {
            startMillisecond()
        }
        lastMilliseconds = milliseconds

        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(sequence >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: sequence)
        let random = nextMixed()
        for index in 8..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: random >> (8 * (15 - index)))
        }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return JobID(bytes: bytes)!
    }

    /// A fresh random seed, and a sequence that starts low in the millisecond so many ids fit before it runs out.
    private mutating func startMillisecond() {
        mixer = generator.next()
        sequence = UInt16(truncatingIfNeeded: mixer >> 54)
    }

    /// SplitMix64 (Steele, Lea and Flood): a well-mixed 64-bit value per step.
    private mutating func nextMixed() -> UInt64 {
        mixer &+= 0x9E37_79B9_7F4A_7C15
        var value = mixer
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE5_E9B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
