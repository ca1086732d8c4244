extension BrokerReply {
    /// The bytes ``write(into:)`` writes: each line and its CRLF.
    public var encodedByteCount: Int {
        dataLines.reduce(line.utf8.count + 2) { $0 + $1.utf8.count + 2 }
    }
}
