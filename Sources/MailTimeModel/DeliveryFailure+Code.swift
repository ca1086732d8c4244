extension DeliveryFailure {
    /// A delivery failure's stable code, as `last_error.code` shows it. The codes below are the
    /// ones MailTime's senders and queue record; a separate sender may report others, which are
    /// kept as they are.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as it appears on the wire: upper-case words joined by underscores.
        public let name: String

        /// A code by its wire name; for the protocol's decoder and tests, not for making up codes.
        package init(_ name: String) { self.name = name }

        public var description: String { name }

        /// A temporary (4xx) refusal; another attempt follows.
        public static let smtpTemporary = Code("SMTP_TEMPORARY")
        /// A permanent (5xx) refusal of every recipient.
        public static let smtpPermanent = Code("SMTP_PERMANENT")
        /// The provider itself failed: connection, TLS, authentication, 421.
        public static let smtpProvider = Code("SMTP_PROVIDER")
        /// Every provider is down.
        public static let noProvider = Code("NO_PROVIDER")
        /// The stored email cannot be read or composed.
        public static let composeFailed = Code("COMPOSE_FAILED")
        /// A cancel arrived before the send started.
        public static let cancelled = Code("CANCELLED")
        /// The broker's outbox directory could not be written.
        public static let outboxWrite = Code("OUTBOX_WRITE")
        /// The sender's lease ran out before it reported back.
        public static let leaseExpired = Code("LEASE_EXPIRED")
    }
}
