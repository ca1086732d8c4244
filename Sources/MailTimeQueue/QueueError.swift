/// An error from the mail queue: a stable `code` for programs and a sentence for people.
public struct QueueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's text, upper-case, as the protocol shows it.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// No job has this id.
        public static let notFound = Code("NOT_FOUND")
        /// The token is not the one of the job's latest lease (it was leased again since, or the token
        /// was never its), or no lease is held on the job (a report already ended it).
        public static let staleToken = Code("STALE_TOKEN")
        /// The job is in a state that does not allow the operation (for example cancelling a sent job).
        public static let invalidState = Code("INVALID_STATE")
        /// An argument is out of range or malformed.
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        /// The payload is larger than the queue accepts.
        public static let payloadTooLarge = Code("PAYLOAD_TOO_LARGE")
        /// The store could not be opened, read or written.
        public static let storage = Code("STORAGE")
        /// The data directory is in use by another process.
        public static let locked = Code("LOCKED")
        /// The queue was closed.
        public static let closed = Code("CLOSED")

        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// A human sentence.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}
