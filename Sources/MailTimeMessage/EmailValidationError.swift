/// Why an email was refused: a stable `code` for programs and a sentence, naming the field, for people.
///
/// The sentence never contains a line break, so it can follow the code on one protocol line.
public struct EmailValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's text, upper-case, as the protocol shows it.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The bytes are not valid JSON (or not UTF-8).
        public static let invalidJSON = Code("INVALID_JSON")
        /// A field has the wrong type or a value out of range, or the document is not an object.
        public static let invalidField = Code("INVALID_FIELD")
        /// A field the email format does not define.
        public static let unknownField = Code("UNKNOWN_FIELD")
        /// An address that does not follow RFC 5321 syntax.
        public static let invalidAddress = Code("INVALID_ADDRESS")
        /// None of `to`, `cc` and `bcc` has an address.
        public static let noRecipient = Code("NO_RECIPIENT")
        /// More recipients than the limits allow.
        public static let tooManyRecipients = Code("TOO_MANY_RECIPIENTS")
        /// Neither `text` nor `html` is given.
        public static let noBody = Code("NO_BODY")
        /// No From address: the email has none and no default was given.
        public static let noSender = Code("NO_SENDER")
        /// A carriage return or line feed in a value that goes into a header.
        public static let headerInjection = Code("HEADER_INJECTION")
        /// A custom header whose name or value is not allowed by RFC 5322.
        public static let invalidHeader = Code("INVALID_HEADER")
        /// A custom header the composer writes itself (From, Subject, Content-Type…).
        public static let reservedHeader = Code("RESERVED_HEADER")
        /// An attachment whose content is not base64, or whose filename, type or content id is malformed.
        public static let invalidAttachment = Code("INVALID_ATTACHMENT")
        /// `send_at` is neither an RFC 3339 time nor Unix milliseconds.
        public static let invalidSendAt = Code("INVALID_SEND_AT")
        /// The decoded email is larger than the limit.
        public static let emailTooLarge = Code("EMAIL_TOO_LARGE")

        /// Every code, for listing in the protocol specification.
        public static let all: [Code] = [
            .invalidJSON, .invalidField, .unknownField, .invalidAddress, .noRecipient, .tooManyRecipients, .noBody,
            .noSender, .headerInjection, .invalidHeader, .reservedHeader, .invalidAttachment, .invalidSendAt,
            .emailTooLarge,
        ]

        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// A human sentence that starts with the field it is about.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}

extension EmailValidationError {
    /// `value` in double quotes for an error sentence: control characters escaped, long values shortened.
    static func quoted(_ value: String, limit: Int = 80) -> String {
        var result = "\""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\r": result += "\\r"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
