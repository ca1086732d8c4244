/// A request as the client methods build it: the command word and arguments, perhaps a JSON
/// argument that runs to the end of the line, perhaps a `SEND` payload.
struct Request: Sendable {
    /// The command word and its arguments; none may hold a space or a control character.
    var words: [String]
    /// A last argument taken whole to the end of the line (JSON, which may hold spaces).
    var tail: String?
    var payload: [UInt8]?
    var shape: ReplyShape
    var isQuit: Bool

    init(_ words: [String], tail: String? = nil, payload: [UInt8]? = nil, shape: ReplyShape = .single, isQuit: Bool = false) {
        self.words = words
        self.tail = tail
        self.payload = payload
        self.shape = shape
        self.isQuit = isQuit
    }

    /// The request line, without CRLF.
    var line: String {
        let line = words.joined(separator: " ")
        return tail.map { line + " " + $0 } ?? line
    }

    /// Refuses arguments that would break the line apart, or run into the next request.
    func validate() throws(MailTimeClientError) {
        for word in words where word.isEmpty || word.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw MailTimeClientError(
                .invalidRequest,
                "\(words[0]) arguments must be non-empty, without spaces or control characters: \(word.debugDescription.prefix(80))"
            )
        }
        if let tail, tail.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            throw MailTimeClientError(.invalidRequest, "\(words[0]) arguments cannot hold line breaks")
        }
    }
}
