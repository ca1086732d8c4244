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
        var atLineStart = true
        var previous: UInt8 = 0
        var runStart = message.startIndex
        var index = message.startIndex
        // Copies unchanged runs in one go; stops only at line endings and stuffed dots.
        while index != message.endIndex {
            let byte = message[index]
            if atLineStart && byte == UInt8(ascii: ".") {
                buffer.writeBytes(message[runStart..<index])
                buffer.writeInteger(UInt8(ascii: "."))
                runStart = index
            }
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") {
                // A bare LF: end the line with CRLF.
                buffer.writeBytes(message[runStart..<index])
                buffer.writeInteger(UInt8(ascii: "\r"))
                runStart = index
            }
            let next = message.index(after: index)
            if byte == UInt8(ascii: "\r") && (next == message.endIndex || message[next] != UInt8(ascii: "\n")) {
                // A bare CR: end the line with CRLF.
                buffer.writeBytes(message[runStart...index])
                buffer.writeInteger(UInt8(ascii: "\n"))
                runStart = next
                atLineStart = true
                previous = UInt8(ascii: "\n")
                index = next
                continue
            }
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
            index = next
        }
        buffer.writeBytes(message[runStart..<message.endIndex])
        if !atLineStart && !message.isEmpty {
            buffer.writeString("\r\n")
        }
        self.messageSize = buffer.readableBytes
        buffer.writeString(".\r\n")
        self.buffer = buffer
    }
}
