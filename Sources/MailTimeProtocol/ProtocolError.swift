/// An error reply of the MailTime protocol: `ERR <CODE> <sentence>`.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code: the one registry of protocol.md, section 6.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as it appears on the wire.
        public let name: String

        /// A code by its wire name: for reading `ERR` lines, where codes this version does not
        /// list are kept as they are, and for the client's own codes.
        package init(_ name: String) { self.name = name }

        /// The command word is not one of section 5.
        public static let unknownCommand = Code("UNKNOWN_COMMAND")
        /// Wrong number or form of arguments.
        public static let badArguments = Code("BAD_ARGUMENTS")
        /// A request line over max_line (the connection is closed).
        public static let lineTooLong = Code("LINE_TOO_LONG")
        /// A payload not followed by CRLF (the connection is closed).
        public static let expectedCRLF = Code("EXPECTED_CRLF")
        /// The command needs `AUTH` first.
        public static let authRequired = Code("AUTH_REQUIRED")
        /// The token is not valid.
        public static let authFailed = Code("AUTH_FAILED")
        /// The token's role does not allow the command.
        public static let forbidden = Code("FORBIDDEN")
        /// The payload is over max_payload, or the email's decoded content is over the size limit.
        public static let emailTooLarge = Code("EMAIL_TOO_LARGE")
        /// The payload or argument is not JSON.
        public static let invalidJSON = Code("INVALID_JSON")
        /// A field has the wrong type or value.
        public static let invalidField = Code("INVALID_FIELD")
        /// A field the email does not have.
        public static let unknownField = Code("UNKNOWN_FIELD")
        /// An address is not valid RFC 5321 syntax.
        public static let invalidAddress = Code("INVALID_ADDRESS")
        /// No `to`, `cc` or `bcc`.
        public static let noRecipient = Code("NO_RECIPIENT")
        /// More than 1,000 recipients across `to`, `cc` and `bcc`.
        public static let tooManyRecipients = Code("TOO_MANY_RECIPIENTS")
        /// Neither `text` nor `html`.
        public static let noBody = Code("NO_BODY")
        /// No `from` and no default sender.
        public static let noSender = Code("NO_SENDER")
        /// CR or LF in a header value, subject, name or file name.
        public static let headerInjection = Code("HEADER_INJECTION")
        /// A custom header name or value RFC 5322 does not allow.
        public static let invalidHeader = Code("INVALID_HEADER")
        /// A custom header the broker writes itself.
        public static let reservedHeader = Code("RESERVED_HEADER")
        /// Bad base64, file name or content type.
        public static let invalidAttachment = Code("INVALID_ATTACHMENT")
        /// `send_at` does not parse or is too far ahead.
        public static let invalidSendAt = Code("INVALID_SEND_AT")
        /// The email's sender is not in a domain the token may send from.
        public static let senderNotAllowed = Code("SENDER_NOT_ALLOWED")
        /// No email has that id.
        public static let notFound = Code("NOT_FOUND")
        /// The email's state does not allow it (for example cancelling a sent email).
        public static let invalidState = Code("INVALID_STATE")
        /// The token no longer holds the email.
        public static let staleToken = Code("STALE_TOKEN")
        /// A number out of range (limits, delays).
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        /// The connection streams events; only `QUIT` is accepted.
        public static let eventsOnly = Code("EVENTS_ONLY")
        /// The store failed; nothing was acknowledged.
        public static let storage = Code("STORAGE")
        /// The broker is stopping; reconnect later.
        public static let shuttingDown = Code("SHUTTING_DOWN")
        /// The connection limit is reached.
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
