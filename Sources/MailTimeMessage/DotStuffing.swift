/// A message as SMTP DATA carries it (RFC 5321 §4.5.2): every line ending CRLF, a "." added before each
/// line that starts with ".", and a CRLF at the end, so that only the final `.` line is left to append.
package enum DotStuffing {
    /// `message` made ready for DATA: bare CR and LF line endings made CRLF, lines starting with "."
    /// stuffed, and a CRLF added when the last line has none.
    package static func stuffed(_ message: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 64 + 2)
        if message.withContiguousStorageIfAvailable({ stuff($0, into: &output) }) == nil {
            Array(message).withUnsafeBufferPointer { stuff($0, into: &output) }
        }
        return output
    }

    /// The message `stuffed` carries: the "." added before each line that starts with one taken off.
    package static func unstuffed(_ stuffed: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(stuffed.count)
        var runStart = 0
        var atLineStart = true
        for index in stuffed.indices {
            let byte = stuffed[index]
            if atLineStart && byte == UInt8(ascii: ".") {
                output += stuffed[runStart..<index]
                runStart = index + 1
            }
            atLineStart = byte == 0x0A
        }
        output += stuffed[runStart...]
        return output
    }

    /// Copies `message` into `output` in runs, breaking a run only where a byte must be added: a
    /// "." at the start of a line, or the missing half of a bare CR or LF line ending.
    private static func stuff(_ message: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
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
                if !hasByte(cr, in: word), !hasByte(lf, in: word), !hasByte(dot, in: word) {
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
                    output += message[runStart..<index]
                    output.append(dot)
                    runStart = index
                }
                atLineStart = false
                index += 1
            } else if byte == cr {
                if index + 1 < count && message[index + 1] == lf {
                    index += 2
                } else {
                    // A bare CR: end the line with CRLF.
                    output += message[runStart...index]
                    output.append(lf)
                    index += 1
                    runStart = index
                }
                atLineStart = true
            } else {
                // A bare LF: end the line with CRLF.
                output += message[runStart..<index]
                output.append(cr)
                runStart = index
                index += 1
                atLineStart = true
            }
        }
        output += message[runStart..<count]
        if count > 0 && !atLineStart {
            output += [cr, lf]
        }
    }

    /// Whether one of the eight bytes of `word` is `byte`.
    private static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let matches = word ^ (ones &* UInt64(byte))
        return (matches &- ones) & ~matches & (ones &* 0x80) != 0
    }
}
