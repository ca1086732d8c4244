import MailTimeProtocol
import NIOCore

/// Splits the broker's byte stream into reply lines, without their CRLF (a bare LF is accepted),
/// and reads the payload a `JOB <bytes> <json>` line counts (protocol.md, section 2) with it.
struct ReplyLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ReplyLine

    /// The longest line accepted: a `STATUS` line with a thousand recipients fits many times over.
    static let maximumLineLength = 16 * 1024 * 1024
    /// The largest payload accepted: far more than any broker's max_payload.
    static let maximumPayloadSize = 256 * 1024 * 1024

    private enum State {
        case line
        case payload(line: String, size: Int)
    }

    private var state = State.line
    /// How far into the buffer a line end has already been looked for.
    private var searched = 0

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch state {
        case .line:
            return try decodeLine(context: context, buffer: &buffer)
        case .payload(let line, let size):
            return try decodePayload(context: context, buffer: &buffer, line: line, size: size)
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    private mutating func decodeLine(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
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
        if let size = ReplyLine.payloadSize(of: line) {
            guard size <= Self.maximumPayloadSize else {
                throw MailTimeClientError(.unexpectedReply, "a JOB line announces \(size) bytes, over \(Self.maximumPayloadSize)")
            }
            state = .payload(line: line, size: size)
        } else {
            context.fireChannelRead(wrapInboundOut(ReplyLine(line)))
        }
        return .continue
    }

    /// The payload, then CRLF (or a bare LF).
    private mutating func decodePayload(context: ChannelHandlerContext, buffer: inout ByteBuffer, line: String, size: Int) throws -> DecodingState {
        guard buffer.readableBytes >= size + 1 else { return .needMoreData }
        var terminator = 1
        if buffer.getInteger(at: buffer.readerIndex + size, as: UInt8.self) == UInt8(ascii: "\r") {
            guard buffer.readableBytes >= size + 2 else { return .needMoreData }
            terminator = 2
        }
        guard buffer.getInteger(at: buffer.readerIndex + size + terminator - 1, as: UInt8.self) == UInt8(ascii: "\n") else {
            throw MailTimeClientError(.unexpectedReply, "the \(size) payload bytes of a JOB line are not followed by CRLF")
        }
        let payload = buffer.readBytes(length: size)!
        buffer.moveReaderIndex(forwardBy: terminator)
        state = .line
        context.fireChannelRead(wrapInboundOut(ReplyLine(line, payload: payload)))
        return .continue
    }
}
