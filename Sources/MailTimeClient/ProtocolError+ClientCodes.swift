import MailTimeProtocol

/// The client's own codes, for failures it finds itself rather than the broker's `ERR` replies.
extension ProtocolError.Code {
    /// The TCP connection could not be made.
    public static let connectionFailed = Self("CONNECTION_FAILED")
    /// The connection closed before the reply arrived.
    public static let connectionClosed = Self("CONNECTION_CLOSED")
    /// The TLS handshake failed, or the broker's certificate is not trusted.
    public static let tlsFailed = Self("TLS_FAILED")
    /// The broker's reply does not follow the protocol.
    public static let unexpectedReply = Self("UNEXPECTED_REPLY")
    /// The request cannot be sent as asked (an argument with a space or a line break, for one).
    public static let invalidRequest = Self("INVALID_REQUEST")
    /// The client's configuration is unusable (a certificate file that cannot be read, for one).
    public static let invalidConfiguration = Self("INVALID_CONFIGURATION")
}
