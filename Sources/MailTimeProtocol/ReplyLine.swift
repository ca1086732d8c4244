/// A data line of a reply (`JOB …`, protocol.md, section 5), with the payload it counts: a `LEASE`
/// reply's `JOB <bytes> <json>` line is followed by `<bytes>` bytes of email, then CRLF.
public struct ReplyLine: Equatable, Sendable {
    /// The line, without CRLF.
    public var text: String
    /// The bytes that follow the line, when it counts some.
    public var payload: [UInt8]?

    public init(_ text: String, payload: [UInt8]? = nil) {
        self.text = text
        self.payload = payload
    }

    /// The byte count of a line that announces a payload, `JOB <bytes> <json>`; `nil` for any
    /// other line (a `LIST` line is `JOB {…}`).
    public static func payloadSize(of line: some StringProtocol) -> Int? {
        guard line.hasPrefix("JOB ") else { return nil }
        let count = line.utf8.dropFirst(4).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard !count.isEmpty, count.count <= 18 else { return nil }
        return Int(String(decoding: count, as: UTF8.self))
    }
}
