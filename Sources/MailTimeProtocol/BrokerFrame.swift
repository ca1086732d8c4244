import NIOCore

/// What ``BrokerRequestDecoder`` makes of the bytes a client sends.
public enum BrokerFrame: Equatable, Sendable {
    /// A request line (without CRLF) and, after `SEND <bytes>`, its payload.
    case request(line: String, payload: ByteBuffer?)
    /// Bytes that cannot be a request. When `fatal`, the decoder cannot find the next request
    /// and the connection must close after the error reply.
    case rejected(ProtocolError, fatal: Bool)
}
