import NIOCore

/// Splits a client's bytes into request lines and, after `SEND <bytes>`, byte-counted payloads
/// followed by CRLF (protocol.md, section 2).
///
/// A line over `maximumLineLength` or a payload not followed by CRLF is fatal: nothing after it
/// can be trusted, so the decoder stops. A payload over `maximumPayloadSize` is rejected but read
/// and discarded, so the connection goes on, unless it is so large (over four times the maximum)
/// that discarding it would be a way to waste the broker's time.
public struct BrokerRequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = BrokerFrame

    private enum State {
        case line
        case payload(line: String, size: Int)
        case discarding(remaining: Int)
        case stopped
    }

    private let maximumLineLength: Int
    private let maximumPayloadSize: Int
    private var state = State.line

    public init(maximumLineLength: Int, maximumPayloadSize: Int) {
        self.maximumLineLength = maximumLineLength
        self.maximumPayloadSize = maximumPayloadSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch state {
        case .stopped:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        case .discarding(let remaining):
            let skipped = min(remaining, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            state = remaining == skipped ? .line : .discarding(remaining: remaining - skipped)
            return remaining == skipped ? .continue : .needMoreData
        case .payload(let line, let size):
            return decodePayload(context: context, buffer: &buffer, line: line, size: size)
        case .line:
            return decodeLine(context: context, buffer: &buffer)
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial request at the end of the stream is dropped: the client is gone.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private mutating func decodeLine(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        let searched = buffer.readableBytesView.prefix(maximumLineLength)
        guard let newline = searched.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes >= maximumLineLength {
                stop(context, ProtocolError(.lineTooLong, "a request line may have at most \(maximumLineLength) bytes"))
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        while line.hasSuffix("\r") { line.removeLast() }

        if let size = Self.sendSize(line) {
            if size > maximumPayloadSize {
                let error = ProtocolError(
                    .emailTooLarge,
                    "the email has \(size) bytes; the most accepted is \(maximumPayloadSize)"
                )
                if size > maximumPayloadSize * 4 {
                    stop(context, error)
                    return .needMoreData
                }
                context.fireChannelRead(NIOAny(BrokerFrame.rejected(error, fatal: false)))
                state = .discarding(remaining: size + 2)
                return .continue
            }
            state = .payload(line: line, size: size)
            return .continue
        }
        context.fireChannelRead(NIOAny(BrokerFrame.request(line: line, payload: nil)))
        return .continue
    }

    private mutating func decodePayload(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        line: String,
        size: Int
    ) -> DecodingState {
        // The payload, then CRLF (or a bare LF).
        guard buffer.readableBytes >= size + 1 else { return .needMoreData }
        let afterPayload = buffer.getInteger(at: buffer.readerIndex + size, as: UInt8.self)!
        var terminator = 1
        if afterPayload == UInt8(ascii: "\r") {
            guard buffer.readableBytes >= size + 2 else { return .needMoreData }
            terminator = 2
        }
        let terminatorEnd = buffer.getInteger(at: buffer.readerIndex + size + terminator - 1, as: UInt8.self)!
        guard terminatorEnd == UInt8(ascii: "\n") else {
            stop(context, ProtocolError(.expectedCRLF, "the \(size) payload bytes must be followed by CRLF"))
            return .needMoreData
        }
        let payload = buffer.readSlice(length: size)!
        buffer.moveReaderIndex(forwardBy: terminator)
        state = .line
        context.fireChannelRead(NIOAny(BrokerFrame.request(line: line, payload: payload)))
        return .continue
    }

    private mutating func stop(_ context: ChannelHandlerContext, _ error: ProtocolError) {
        state = .stopped
        context.fireChannelRead(NIOAny(BrokerFrame.rejected(error, fatal: true)))
    }

    /// The byte count of a well-formed `SEND <bytes>` line, or `nil` for any other line.
    static func sendSize(_ line: String) -> Int? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0].uppercased() == "SEND", let size = Int(words[1]), size >= 0 else { return nil }
        return size
    }
}
