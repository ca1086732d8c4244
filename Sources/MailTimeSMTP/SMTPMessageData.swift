import MailTimeMessage
import NIOCore

/// A message as it goes after DATA (RFC 5321 §4.5.2): every line ending made CRLF, a "." added
/// before each line that starts with ".", and the final `.` line appended.
struct SMTPMessageData: Hashable, Sendable {
    /// The encoded bytes, ready to write.
    let buffer: ByteBuffer
    /// The size of the message itself, for MAIL FROM's SIZE parameter.
    let messageSize: Int

    /// The data of a composed message, which is already stuffed: copied as it is.
    init(_ message: ComposedMessage) {
        self.init(stuffed: message.data)
    }

    /// Any message, stuffed here.
    init(_ message: some Collection<UInt8>) {
        self.init(stuffed: DotStuffing.stuffed(message))
    }

    private init(stuffed: [UInt8]) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(stuffed.count + 3)
        buffer.writeBytes(stuffed)
        self.messageSize = stuffed.count
        buffer.writeString(".\r\n")
        self.buffer = buffer
    }
}
