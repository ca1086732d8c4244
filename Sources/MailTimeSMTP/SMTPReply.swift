/// One reply from an SMTP server (RFC 5321 §4.2): a three-digit code and one or more lines of text.
public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    /// The reply code, 200…599.
    public var code: Int
    /// The enhanced status code (RFC 3463) that starts the text, when the server sent one.
    public var enhancedStatusCode: EnhancedStatusCode?
    /// The text of each line, without the code, the separator and the enhanced status code.
    public var lines: [String]

    public init(code: Int, enhancedStatusCode: EnhancedStatusCode? = nil, lines: [String]) {
        self.code = code
        self.enhancedStatusCode = enhancedStatusCode
        self.lines = lines
    }

    /// 2xx: the command succeeded.
    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// 3xx: the server waits for more (354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    /// 4xx: a temporary failure.
    public var isTransientNegative: Bool { (400..<500).contains(code) }
    /// 5xx: a permanent failure.
    public var isPermanentNegative: Bool { (500..<600).contains(code) }

    /// The text lines joined by spaces.
    public var text: String { lines.joined(separator: " ") }

    /// The reply as the server would have shown it on one line: `550 5.1.1 no such user`.
    public var description: String {
        var parts = [String(code)]
        if let enhancedStatusCode { parts.append(enhancedStatusCode.description) }
        if !text.isEmpty { parts.append(text) }
        return parts.joined(separator: " ")
    }
}
