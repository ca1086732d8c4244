/// An error from the mail queue: a stable `code` for programs and a sentence for people.
public struct QueueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public enum Code: Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// No job has this id.
        case notFound
        /// The token is not the one of the job's latest lease (it was leased again since, or the token
        /// was never its), or no lease is held on the job (a report already ended it).
        case staleToken
        /// The job is in a state that does not allow the operation (for example cancelling a sent job).
        case invalidState
        /// An argument is out of range or malformed.
        case invalidArgument
        /// The payload is larger than the queue accepts.
        case payloadTooLarge
        /// The store could not be opened, read or written.
        case storage
        /// The data directory is in use by another process.
        case locked
        /// The queue was closed.
        case closed

        /// The code's text, upper-case, as the protocol shows it.
        public var name: String {
            switch self {
            case .notFound: "NOT_FOUND"
            case .staleToken: "STALE_TOKEN"
            case .invalidState: "INVALID_STATE"
            case .invalidArgument: "INVALID_ARGUMENT"
            case .payloadTooLarge: "PAYLOAD_TOO_LARGE"
            case .storage: "STORAGE"
            case .locked: "LOCKED"
            case .closed: "CLOSED"
            }
        }

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
