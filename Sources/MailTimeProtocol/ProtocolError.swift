/// An error reply of the MailTime protocol: `ERR <CODE> <sentence>`.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code (protocol.md, section 6).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as it appears on the wire.
        public let name: String

        /// A code by its wire name (codes this version does not list are kept as they are).
        public init(_ name: String) { self.name = name }

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
        public static let invalidSendAt = Code("INVALID_SEND_AT")
        public static let noSender = Code("NO_SENDER")
        public static let notFound = Code("NOT_FOUND")
        public static let invalidState = Code("INVALID_STATE")
        public static let staleToken = Code("STALE_TOKEN")
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        public static let eventsOnly = Code("EVENTS_ONLY")
        public static let storage = Code("STORAGE")
        public static let shuttingDown = Code("SHUTTING_DOWN")
        public static let tooManyConnections = Code("TOO_MANY_CONNECTIONS")

        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// A sentence for people.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reply line, without CRLF: `ERR <CODE> <sentence>`.
    public var line: String { "ERR \(code.name) \(message)" }

    public var description: String { line }
}
