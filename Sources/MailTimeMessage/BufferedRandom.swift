#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Random numbers from the system's CSPRNG (`arc4random_buf`, which reads `getrandom`), fetched
/// 2 KiB at a time instead of one system call per number (Message-IDs and boundaries take several per email).
struct BufferedRandom: RandomNumberGenerator {
    /// One generator for the whole process.
    static let shared = Mutex(BufferedRandom())

    private var buffer = [UInt64](repeating: 0, count: 256)
    private var position = 256

    mutating func next() -> UInt64 {
        if position == buffer.count { refill() }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func refill() {
        buffer.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        position = 0
    }
}
