import NIOCore

extension MailTimeClientError {
    /// Any error of a connection, as a client error.
    init(_ error: any Error) {
        switch error {
        case let error as MailTimeClientError:
            self = error
        case let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed || error == .eof:
            self.init(.connectionClosed, "the connection is closed")
        default:
            self.init(.connectionClosed, "the connection failed: \(error)")
        }
    }
}
