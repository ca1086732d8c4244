import MailTimeProtocol

extension SendResult {
    /// Reads `OK <id>` or `OK <id> DUPLICATE`.
    init(reply: BrokerReply) throws(MailTimeClientError) {
        guard reply.line.hasPrefix("OK ") else {
            throw MailTimeClientError(.unexpectedReply, "SEND was answered with \(reply.line.prefix(80))")
        }
        do throws(ProtocolError) {
            try self.init(replyText: reply.line.dropFirst(3))
        } catch {
            throw MailTimeClientError(unexpected: "SEND's reply", error)
        }
    }
}
