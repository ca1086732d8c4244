extension BrokerReply {
    /// The bytes ``write(into:)`` writes: each line and its CRLF, and each data line's payload and its CRLF.
    public var encodedByteCount: Int {
        dataLines.reduce(line.utf8.count + 2) { count, data in
            count + data.text.utf8.count + 2 + (data.payload.map { $0.count + 2 } ?? 0)
        }
    }
}
