/// Why an SMTP connection or delivery failed: a stable code, what the failure means for the
/// email (``Kind``), a human sentence, and the server's reply when there was one.
public struct SMTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What a failure means for delivery.
    public enum Kind: String, Hashable, Sendable, CustomStringConvertible {
        /// Try again later: a 4xx reply, 421 included.
        case temporary
        /// Do not try again: a 5xx reply for the message or recipient, or a message this server cannot take.
        case permanent
        /// The provider's own fault (authentication, policy 4.7.x/5.7.x, TLS, connection refused or
        /// reset, timeout): try another provider.
        case provider

        public var description: String { rawValue }
    }

    /// A stable, machine-readable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The TCP connection could not be made, or was reset.
        public static let connectionFailed = Code("smtp.connection-failed")
        /// The server closed the connection while a reply was due.
        public static let connectionClosed = Code("smtp.connection-closed")
        /// The server did not answer within the timeout for that step.
        public static let timeout = Code("smtp.timeout")
        /// The server sent bytes that are not SMTP replies.
        public static let protocolViolation = Code("smtp.protocol-violation")
        /// The server refused the session (greeting or EHLO/HELO not 2xx).
        public static let sessionRejected = Code("smtp.session-rejected")
        /// The server is closing the session (421).
        public static let serviceNotAvailable = Code("smtp.service-not-available")
        /// The TLS handshake or the TLS layer failed, certificate verification included.
        public static let tlsFailed = Code("smtp.tls-failed")
        /// TLS is required by the policy but the server does not offer STARTTLS, or refused it.
        public static let tlsUnavailable = Code("smtp.tls-unavailable")
        /// The server sent plaintext after its 220 reply to STARTTLS (a command-injection attempt).
        public static let startTLSInjection = Code("smtp.starttls-injection")
        /// The server rejected the credentials.
        public static let authenticationFailed = Code("smtp.authentication-failed")
        /// No usable AUTH mechanism, or AUTH would be sent over plaintext without permission.
        public static let authenticationUnavailable = Code("smtp.authentication-unavailable")
        /// RCPT TO was refused for a recipient.
        public static let recipientRejected = Code("smtp.recipient-rejected")
        /// MAIL FROM was refused.
        public static let senderRejected = Code("smtp.sender-rejected")
        /// DATA, or the message after it, was refused.
        public static let messageRejected = Code("smtp.message-rejected")
        /// The message needs SMTPUTF8 and the server does not offer it.
        public static let smtpUTF8Unsupported = Code("smtp.smtputf8-unsupported")
        /// The message is larger than the server's SIZE limit.
        public static let messageTooLarge = Code("smtp.message-too-large")
        /// The connection is closed or busy and cannot take the request.
        public static let connectionUnusable = Code("smtp.connection-unusable")
        /// The client configuration is invalid.
        public static let invalidConfiguration = Code("smtp.invalid-configuration")
    }

    public var code: Code
    public var kind: Kind
    /// A human sentence.
    public var message: String
    /// The server's reply that caused the failure, if any.
    public var reply: SMTPReply?
    /// Whether the failure came before the message's data was sent, so the server cannot have
    /// taken it and sending it again on another connection cannot deliver it twice.
    public var isBeforeData = false

    public init(_ code: Code, kind: Kind = .provider, _ message: String, reply: SMTPReply? = nil) {
        self.code = code
        self.kind = kind
        self.message = message
        self.reply = reply
    }

    /// A failure caused by `reply`, of the kind the reply means.
    init(_ code: Code, _ message: String, reply: SMTPReply) {
        self.init(code, kind: SMTPError.Kind(reply: reply), "\(message): \(reply)", reply: reply)
    }

    public var description: String { "\(code) (\(kind)): \(message)" }
}

extension SMTPError.Kind {
    /// What a negative reply means: 421 is temporary; 4.7.x and 5.7.x (policy, authentication) and
    /// the authentication codes 530, 534, 535 and 538 are the provider's; other 4xx are temporary,
    /// other 5xx permanent.
    public init(reply: SMTPReply) {
        if reply.code == 421 {
            self = .temporary
        } else if reply.enhancedStatusCode?.subject == 7 || [530, 534, 535, 538, 454].contains(reply.code) {
            self = .provider
        } else if reply.isTransientNegative {
            self = .temporary
        } else {
            self = .permanent
        }
    }
}
