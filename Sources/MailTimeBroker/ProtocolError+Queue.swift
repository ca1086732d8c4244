import MailTimeProtocol
import MailTimeQueue

extension ProtocolError {
    /// The reply to a failed queue operation: the queue's code mapped onto the protocol's, or
    /// `STORAGE` for an error that is not the queue's.
    init(queueError error: any Error) {
        guard let error = error as? QueueError else {
            self.init(.storage, "the store failed: \(error)")
            return
        }
        let code: Code
        switch error.code {
        case .notFound: code = .notFound
        case .staleToken: code = .staleToken
        case .invalidState: code = .invalidState
        case .invalidArgument: code = .invalidArgument
        case .payloadTooLarge: code = .emailTooLarge
        case .closed: code = .shuttingDown
        case .storage, .locked: code = .storage
        }
        self.init(code, error.message)
    }
}
