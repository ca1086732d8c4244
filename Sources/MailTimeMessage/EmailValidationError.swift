/// Why an email was refused: a stable `code` for programs and a sentence, naming the field, for people.
///
/// The sentence never contains a line break, so it can follow the code on one protocol line.
public struct EmailValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public enum Code: Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The bytes are not valid JSON (or not UTF-8).
        case invalidJSON
        /// A field has the wrong type or a value out of range, or the document is not an object.
        case invalidField
        /// A field the email format does not define.
        case unknownField
        /// An address that does not follow RFC 5321 syntax.
        case invalidAddress
        /// None of `to`, `cc` and `bcc` has an address.
        case noRecipient
        /// More recipients than the limits allow.
        case tooManyRecipients
        /// Neither `text` nor `html` is given.
        case noBody
        /// No From address: the email has none and no default was given.
        case noSender
        /// A carriage return or line feed in a value that goes into a header.
        case headerInjection
        /// A custom header whose name or value is not allowed by RFC 5322.
        case invalidHeader
        /// A custom header the composer writes itself (From, Subject, Content-Type…).
        case reservedHeader
        /// An attachment whose content is not base64, or whose filename, type or content id is malformed.
        case invalidAttachment
        /// `send_at` is neither an RFC 3339 time nor Unix milliseconds.
        case invalidSendAt
        /// The decoded email is larger than the limit.
        case emailTooLarge

        /// The code's text, upper-case, as the protocol shows it.
        public var name: String {
            switch self {
            case .invalidJSON: "INVALID_JSON"
            case .invalidField: "INVALID_FIELD"
            case .unknownField: "UNKNOWN_FIELD"
            case .invalidAddress: "INVALID_ADDRESS"
            case .noRecipient: "NO_RECIPIENT"
            case .tooManyRecipients: "TOO_MANY_RECIPIENTS"
            case .noBody: "NO_BODY"
            case .noSender: "NO_SENDER"
            case .headerInjection: "HEADER_INJECTION"
            case .invalidHeader: "INVALID_HEADER"
            case .reservedHeader: "RESERVED_HEADER"
            case .invalidAttachment: "INVALID_ATTACHMENT"
            case .invalidSendAt: "INVALID_SEND_AT"
            case .emailTooLarge: "EMAIL_TOO_LARGE"
            }
        }

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
