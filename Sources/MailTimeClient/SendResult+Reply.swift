import MailTimeProtocol

extension SendResult {
    /// Reads `OK <id>` or `OK <id> DUPLICATE`.
    init(reply: BrokerReply) throws(MailTimeClientError) {
        let words = reply.line.split(separator: " ")
        guard words.count == 2 || (words.count == 3 && words[2] == "DUPLICATE") else {
            throw MailTimeClientError(.unexpectedReply, "SEND was answered with \(reply.line.prefix(80))")
        }
        self.init(id: String(words[1]), isDuplicate: words.count == 3)
    }
}
