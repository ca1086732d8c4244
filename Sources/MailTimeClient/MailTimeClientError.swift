/// What went wrong with a MailTime request: the broker's `ERR <CODE> <sentence>` reply, or a
/// failure of the connection itself.
public struct MailTimeClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable code: one of the broker's (protocol.md, section 6) or one of the client's own.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as printed: upper-case words joined by underscores.
        public let name: String

        /// A code by its name; codes this version does not list are kept as they are.
        public init(_ name: String) { self.name = name }

        public var description: String { name }

        // The broker's codes.
        public static let unknownCommand = Code("UNKNOWN_COMMAND")
        public static let badArguments = Code("BAD_ARGUMENTS")
        public static let lineTooLong = Code("LINE_TOO_LONG")
        public static let expectedCRLF = Code("EXPECTED_CRLF")
        public static let authRequired = Code("AUTH_REQUIRED")
        public static let authFailed = Code("AUTH_FAILED")
        public static let forbidden = Code("FORBIDDEN")
        public static let emailTooLarge = Code("EMAIL_TOO_LARGE")
        public static let invalidJSON = Code("INVALID_JSON")
        public static let invalidField = Code("INVALID_FIELD")
        public static let unknownField = Code("UNKNOWN_FIELD")
        public static let invalidAddress = Code("INVALID_ADDRESS")
        public static let noRecipient = Code("NO_RECIPIENT")
        public static let noBody = Code("NO_BODY")
        public static let noSender = Code("NO_SENDER")
        public static let headerInjection = Code("HEADER_INJECTION")
        public static let reservedHeader = Code("RESERVED_HEADER")
        public static let invalidAttachment = Code("INVALID_ATTACHMENT")
        public static let invalidSendAt = Code("INVALID_SEND_AT")
        public static let notFound = Code("NOT_FOUND")
        public static let invalidState = Code("INVALID_STATE")
        public static let staleToken = Code("STALE_TOKEN")
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        public static let eventsOnly = Code("EVENTS_ONLY")
        public static let storage = Code("STORAGE")
        public static let shuttingDown = Code("SHUTTING_DOWN")
        public static let tooManyConnections = Code("TOO_MANY_CONNECTIONS")

        // The client's codes.
        /// The TCP connection could not be made.
        public static let connectionFailed = Code("CONNECTION_FAILED")
        /// The connection closed before the reply arrived.
        public static let connectionClosed = Code("CONNECTION_CLOSED")
        /// The TLS handshake failed, or the broker's certificate is not trusted.
        public static let tlsFailed = Code("TLS_FAILED")
        /// The broker's reply does not follow the protocol.
        public static let unexpectedReply = Code("UNEXPECTED_REPLY")
        /// The request cannot be sent as asked (an argument with a space or a line break, for one).
        public static let invalidRequest = Code("INVALID_REQUEST")
        /// The client's configuration is unusable (a certificate file that cannot be read, for one).
        public static let invalidConfiguration = Code("INVALID_CONFIGURATION")
    }

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
