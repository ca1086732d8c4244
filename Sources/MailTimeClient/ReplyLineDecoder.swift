import NIOCore

/// Splits the broker's byte stream into reply lines, without their CRLF (a bare LF is accepted).
struct ReplyLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    /// The longest line accepted: a `LEASE` line carries a whole email, so this is generous.
    static let maximumLineLength = 64 * 1024 * 1024

    /// How far into the buffer a line end has already been looked for.
    private var searched = 0

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(searched).firstIndex(of: UInt8(ascii: "\n")) else {
            searched = view.count
            guard searched <= Self.maximumLineLength else {
                throw MailTimeClientError(.unexpectedReply, "a reply line is longer than \(Self.maximumLineLength) bytes")
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        var line = buffer.readString(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.utf8.last == UInt8(ascii: "\r") { line.removeLast() }
        searched = 0
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
