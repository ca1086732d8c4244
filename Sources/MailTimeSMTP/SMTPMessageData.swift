import NIOCore

/// A message as it goes after DATA (RFC 5321 §4.5.2): every line ending made CRLF, a "." added
/// before each line that starts with ".", and the final `.` line appended.
struct SMTPMessageData: Hashable, Sendable {
    /// The encoded bytes, ready to write.
    let buffer: ByteBuffer
    /// The size of the message itself, for MAIL FROM's SIZE parameter.
    let messageSize: Int

    init(_ message: some Collection<UInt8>) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(message.count + message.count / 64 + 8)
        if message.withContiguousStorageIfAvailable({ Self.encode($0, into: &buffer) }) == nil {
            Array(message).withUnsafeBufferPointer { Self.encode($0, into: &buffer) }
        }
        self.messageSize = buffer.readableBytes
        buffer.writeString(".\r\n")
        self.buffer = buffer
    }

    /// Copies `message` into `buffer` in runs, breaking a run only where a byte must be added: a
    /// "." at the start of a line, or the missing half of a bare CR or LF line ending.
    private static func encode(_ message: UnsafeBufferPointer<UInt8>, into buffer: inout ByteBuffer) {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let dot = UInt8(ascii: ".")
        let count = message.count
        var runStart = 0
        var index = 0
        var atLineStart = true
        while index < count {
            // Eight bytes at a time while none is CR, LF or ".".
            if index + 8 <= count {
                let word = UnsafeRawPointer(message.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if !Self.hasByte(cr, in: word), !Self.hasByte(lf, in: word), !Self.hasByte(dot, in: word) {
                    atLineStart = false
                    index += 8
                    continue
                }
            }
            let byte = message[index]
            if byte > dot || (byte != cr && byte != lf && byte != dot) {
                atLineStart = false
                index += 1
                continue
            }
            if byte == dot {
                if atLineStart {
                    buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: message[runStart..<index])))
                    buffer.writeInteger(dot)
                    runStart = index
                }
                atLineStart = false
                index += 1
            } else if byte == cr {
                if index + 1 < count && message[index + 1] == lf {
                    index += 2
                } else {
                    // A bare CR: end the line with CRLF.
                    buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: message[runStart...index])))
                    buffer.writeInteger(lf)
                    index += 1
                    runStart = index
                }
                atLineStart = true
            } else {
                // A bare LF: end the line with CRLF.
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: message[runStart..<index])))
                buffer.writeInteger(cr)
                runStart = index
                index += 1
                atLineStart = true
            }
        }
        buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: message[runStart..<count])))
        if count > 0 && !atLineStart {
            buffer.writeString("\r\n")
        }
    }

    /// Whether one of the eight bytes of `word` is `byte`.
    private static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let matches = word ^ (ones &* UInt64(byte))
        return (matches &- ones) & ~matches & (ones &* 0x80) != 0
    }
}
