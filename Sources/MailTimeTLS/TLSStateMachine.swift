/// The life of one TLS connection as a pure state machine: ``TLSHandler`` reports what happened
/// (channel events and the results of OpenSSL calls) and performs the action returned. It knows
/// nothing of OpenSSL or sockets, so every transition can be tested on its own.
struct TLSStateMachine {
    enum State: Equatable {
        /// The channel is not active yet.
        case idle
        /// Handshake messages are flowing; application writes wait.
        case handshaking
        /// Application data flows both ways.
        case active
        /// Our `close_notify` is sent; waiting for the peer's, or for the close timeout.
        case closing
        /// Done: nothing more is read or written.
        case closed
    }

    enum Action: Equatable {
        case none
        /// Start the handshake timer and take the first handshake step.
        case startHandshake
        /// Feed the new ciphertext to the handshake.
        case continueHandshake
        /// Cancel the handshake timer, send and flush the buffered writes, announce the handshake,
        /// then decrypt any application data that came with the last flight.
        case completeHandshake
        /// Decrypt what has arrived.
        case decrypt
        /// Hold the write until the handshake completes.
        case bufferWrite
        /// Encrypt the write and pass the ciphertext on.
        case encryptWrite
        /// Pass the flush on.
        case flush
        /// Fail the write: the connection is closing or closed.
        case failWrite
        /// Send `close_notify` and start the close timer; the close completes on the peer's reply.
        case sendCloseNotify
        /// The peer sent `close_notify`: answer with ours and close the channel.
        case answerCloseNotifyAndClose
        /// Close the channel and complete the pending close.
        case closeChannel
        /// Report `error`, fail buffered writes and close the channel, sending no `close_notify`
        /// (OpenSSL forbids shutting down after a fatal error).
        case failAndClose(TLSError)
        /// The channel went inactive: report `error` if there is one, fail buffered writes and
        /// the pending close, and pass the event on.
        case channelClosed(error: TLSError?)
        /// Hand the close to the next handler: TLS has nothing left to say.
        case forwardClose
    }

    private(set) var state: State = .idle

    /// The handler was added; a channel that is already active (STARTTLS) starts handshaking now.
    mutating func handlerAdded(channelIsActive: Bool) -> Action {
        channelIsActive ? self.channelActive() : .none
    }

    mutating func channelActive() -> Action {
        guard self.state == .idle else { return .none }
        self.state = .handshaking
        return .startHandshake
    }

    mutating func channelRead() -> Action {
        switch self.state {
        case .handshaking: .continueHandshake
        case .active, .closing: .decrypt
        // Bytes before activation cannot happen; after closing they are ignored.
        case .idle, .closed: .none
        }
    }

    mutating func handshakeStepped(_ result: TLSConnection.HandshakeResult) -> Action {
        guard self.state == .handshaking else { return .none }
        switch result {
        case .incomplete:
            return .none
        case .complete:
            self.state = .active
            return .completeHandshake
        case .failed(let error):
            self.state = .closed
            return .failAndClose(error)
        }
    }

    mutating func handshakeTimedOut() -> Action {
        guard self.state == .handshaking else { return .none }
        self.state = .closed
        return .failAndClose(TLSError(.handshakeTimeout, "the TLS handshake did not complete in time"))
    }

    /// Decryption found the peer's `close_notify`.
    mutating func closeNotifyReceived() -> Action {
        switch self.state {
        case .active:
            self.state = .closed
            return .answerCloseNotifyAndClose
        case .closing:
            self.state = .closed
            return .closeChannel
        case .idle, .handshaking, .closed:
            return .none
        }
    }

    /// Decrypting or encrypting application data failed.
    mutating func connectionFailed(_ error: TLSError) -> Action {
        switch self.state {
        case .closed:
            return .none
        case .idle, .handshaking, .active, .closing:
            self.state = .closed
            return .failAndClose(error)
        }
    }

    mutating func write() -> Action {
        switch self.state {
        case .idle, .handshaking: .bufferWrite
        case .active: .encryptWrite
        case .closing, .closed: .failWrite
        }
    }

    /// Buffered writes are flushed when the handshake completes; until then a flush has nothing to do.
    mutating func flush() -> Action {
        switch self.state {
        case .active, .closing: .flush
        case .idle, .handshaking, .closed: .none
        }
    }

    mutating func close() -> Action {
        switch self.state {
        case .idle, .handshaking:
            // Nothing was said yet: there is nothing to close politely.
            self.state = .closed
            return .closeChannel
        case .active:
            self.state = .closing
            return .sendCloseNotify
        case .closing:
            return .none
        case .closed:
            return .forwardClose
        }
    }

    mutating func closeTimedOut() -> Action {
        guard self.state == .closing else { return .none }
        self.state = .closed
        return .closeChannel
    }

    mutating func channelInactive() -> Action {
        let previous = self.state
        self.state = .closed
        switch previous {
        case .handshaking:
            return .channelClosed(error: TLSError(.eofDuringHandshake, "the connection closed during the TLS handshake"))
        case .active:
            return .channelClosed(error: TLSError(.uncleanShutdown, "the connection closed without close_notify"))
        case .idle, .closing, .closed:
            // After our close_notify a peer may just hang up: nothing we sent can be lost.
            return .channelClosed(error: nil)
        }
    }

    /// The handler is leaving the pipeline; the connection is over for TLS.
    mutating func handlerRemoved() {
        self.state = .closed
    }
}
