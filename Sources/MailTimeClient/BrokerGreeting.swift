/// What the broker announces on connection: `OK mailtime 1 max_line=… max_payload=… max_inflight=…`.
public struct BrokerGreeting: Hashable, Sendable {
    /// The protocol version.
    public var protocolVersion: Int
    /// The longest request line the broker accepts, CRLF included.
    public var maximumLineLength: Int
    /// The largest `SEND` payload the broker accepts.
    public var maximumPayloadSize: Int
    /// The most unanswered requests the broker reads from one connection before waiting.
    public var maximumInFlight: Int

    /// Parses the greeting line; fields it does not know are ignored, as the protocol asks.
    init(line: String) throws(MailTimeClientError) {
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == "OK", words[1] == "mailtime", let version = Int(words[2]) else {
            throw MailTimeClientError(.unexpectedReply, "the peer's greeting is not MailTime's: \(line.prefix(80))")
        }
        var fields: [Substring: Int] = [:]
        for word in words.dropFirst(3) {
            guard let equals = word.firstIndex(of: "="), let value = Int(word[word.index(after: equals)...]) else { continue }
            fields[word[..<equals]] = value
        }
        protocolVersion = version
        maximumLineLength = fields["max_line"] ?? 16_384
        maximumPayloadSize = fields["max_payload"] ?? 26_214_400
        maximumInFlight = fields["max_inflight"] ?? 256
    }
}
