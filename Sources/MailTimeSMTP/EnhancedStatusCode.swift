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

    /// Reads `c.s.d` at the start of `text`; `nil` when the text does not start with one.
    init?<Text: StringProtocol>(prefixOf text: Text) {
        let token = text.prefix { $0 != " " }
        let numbers = token.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3,
            numbers.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) }),
            let statusClass = Int(numbers[0]), [2, 4, 5].contains(statusClass), numbers[0].count == 1,
            let subject = Int(numbers[1]), let detail = Int(numbers[2])
        else { return nil }
        self.init(statusClass: statusClass, subject: subject, detail: detail)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
