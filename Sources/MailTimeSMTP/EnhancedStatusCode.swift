/// An RFC 3463 enhanced status code, `class.subject.detail`, such as `5.1.1`.
public struct EnhancedStatusCode: Hashable, Sendable, CustomStringConvertible {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    public var statusClass: Int
    /// The subject: 1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 security.
    public var subject: Int
    /// The detail within the subject.
    public var detail: Int

    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Reads `c.s.d` at the start of `text` (up to a space or the end); `nil` when it does not start with one.
    init?<Text: StringProtocol>(prefixOf text: Text) {
        var parts = (0, 0, 0)
        var part = 0
        var digits = 0
        var firstDigits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: " ") { break }
            if byte == UInt8(ascii: ".") {
                guard digits > 0, part < 2 else { return nil }
                if part == 0 { firstDigits = digits }
                part += 1
                digits = 0
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            switch part {
            case 0: parts.0 = parts.0 * 10 + digit
            case 1: parts.1 = parts.1 * 10 + digit
            default: parts.2 = parts.2 * 10 + digit
            }
            digits += 1
        }
        guard part == 2, digits > 0, firstDigits == 1, [2, 4, 5].contains(parts.0) else { return nil }
        self.init(statusClass: parts.0, subject: parts.1, detail: parts.2)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
