import NIOCore

/// Splits a client's bytes into request lines and, after `SEND <bytes>`, byte-counted payloads
/// followed by CRLF (protocol.md, section 2). A line ends at LF; one CR before it is dropped.
///
/// A line over `maximumLineLength`, a `SEND` line whose payload's end cannot be found, or a
/// payload not followed by CRLF (or LF) is fatal: nothing after it can be trusted, so the decoder
/// stops. A payload over `maximumPayloadSize` is rejected but read
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
        var bytes = buffer.readSlice(length: newline - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.readableBytesView.last == UInt8(ascii: "\r") { bytes.moveWriterIndex(to: bytes.writerIndex - 1) }

        switch Self.sendForm(bytes.readableBytesView) {
        case .counted(let size):
            guard size <= maximumPayloadSize else {
                let error = ProtocolError(.emailTooLarge, "the email has \(size) bytes; the most accepted is \(maximumPayloadSize)")
                if size > UInt64(maximumPayloadSize) * 4 {
                    stop(context, error)
                    return .needMoreData
                }
                context.fireChannelRead(NIOAny(BrokerFrame.rejected(error, fatal: false)))
                state = .discarding(remaining: Int(size) + 2)
                return .continue
            }
            state = .payload(line: String(buffer: bytes), size: Int(size))
            return .continue
        case .malformed:
            stop(
                context,
                ProtocolError(
                    .badArguments,
                    "SEND takes the payload's size in bytes (SEND <bytes>) or the email as JSON (SEND {…}); the payload's end cannot be found"
                )
            )
            return .needMoreData
        case .inline, .other:
            break
        }
        guard let line = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            context.fireChannelRead(NIOAny(BrokerFrame.rejected(ProtocolError(.badArguments, "a request line must be UTF-8"), fatal: false)))
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

    /// How a line's bytes (without CRLF) frame a `SEND`.
    enum SendForm: Equatable {
        /// `SEND <bytes>`: a payload of this many bytes and CRLF follow.
        case counted(UInt64)
        /// `SEND {…}`: the email is on the line.
        case inline
        /// A `SEND` line of neither form: where its payload ends cannot be known.
        case malformed
        /// Not a `SEND`.
        case other
    }

    /// The `SEND` form of a line: its command word (up to the first space or tab) in any case, one
    /// space, then a number in the syntax of section 2 or JSON starting with `{`.
    static func sendForm(_ line: some Collection<UInt8>) -> SendForm {
        let word = line.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard word.count == 4, zip(word, "SEND".utf8).allSatisfy({ $0 == $1 || $0 == $1 | 0x20 }) else { return .other }
        let rest = line.dropFirst(4)
        guard rest.first == UInt8(ascii: " ") else { return .malformed }
        let argument = rest.dropFirst()
        if argument.first == UInt8(ascii: "{") { return .inline }
        return DecimalNumber.parse(bytes: argument).map(SendForm.counted) ?? .malformed
    }
}
