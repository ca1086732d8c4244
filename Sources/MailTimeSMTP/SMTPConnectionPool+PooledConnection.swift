import NIOCore

/// What ``SMTPConnectionPoolStateMachine`` needs to know about a connection.
protocol SMTPPooledConnection: AnyObject {
    associatedtype Instant: InstantProtocol<Duration>

    /// Whether the connection is still open (the server may have closed it while it was idle).
    var isOpen: Bool { get }
    /// When the session became ready.
    var establishedAt: Instant { get }
    /// Whether the connection runs on the event loop of the calling thread.
    var isOnCurrentEventLoop: Bool { get }
}

extension SMTPConnection: SMTPPooledConnection {
    var isOnCurrentEventLoop: Bool { channel.eventLoop.inEventLoop }
}
