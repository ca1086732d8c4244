import MailTimeProtocol

extension MailTimeClientError {
    /// A body of a reply that does not follow the protocol.
    init(unexpected body: String, _ error: ProtocolError) {
        self.init(.unexpectedReply, "\(body) does not follow the protocol: \(error.code) \(error.message)")
    }
}
