import MailTimeProtocol

/// What went wrong with a MailTime request: the broker's `ERR <CODE> <sentence>` reply, or a
/// failure of the connection itself.
public struct MailTimeClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable code: one of the broker's (protocol.md, section 6) or one of the client's own
    /// (``ProtocolError/Code/connectionFailed``…), in the one registry of codes.
    public typealias Code = ProtocolError.Code

    /// The stable code.
    public var code: Code
    /// A sentence for people.
    public var message: String
    /// Whether the broker sent this error (`ERR` reply), rather than the client finding it.
    public var isBrokerReply: Bool

    public init(_ code: Code, _ message: String, isBrokerReply: Bool = false) {
        self.code = code
        self.message = message
        self.isBrokerReply = isBrokerReply
    }

    /// The error of an `ERR <CODE> <sentence>` line, or `nil` if the line is not one.
    init?(errorLine line: String) {
        guard line.hasPrefix("ERR ") else { return nil }
        let rest = line.dropFirst(4)
        let code = rest.prefix { $0 != " " }
        guard !code.isEmpty else { return nil }
        self.init(Code(String(code)), String(rest.dropFirst(code.count).drop { $0 == " " }), isBrokerReply: true)
    }

    /// `<CODE> <message>`, as the CLI prints it.
    public var description: String { "\(code.name) \(message)" }
}
