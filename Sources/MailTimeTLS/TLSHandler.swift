import Logging
import NIOCore
import NIOTLS

/// TLS over OpenSSL for one NIO channel, as a server or a client (the role comes from the ``TLSContext``).
///
/// Put it first in the pipeline, or add it to an active channel to upgrade it (STARTTLS): the
/// handshake starts as soon as the channel is active. Writes wait for the handshake. On completion it
/// fires a ``TLSHandshakeInfo`` event and then NIO's `TLSUserEvent.handshakeCompleted`. Closing sends
/// `close_notify` and waits for the peer's, up to the close timeout. A peer that hangs up without
/// `close_notify` is reported as ``TLSError/Code/uncleanShutdown``. Removing the handler frees the
/// OpenSSL connection without a TLS shutdown.
///
/// The decisions live in ``TLSStateMachine``; this class only performs them.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// What the handshake settled, once it has completed; read it on the channel's event loop.
    public private(set) var handshakeInfo: TLSHandshakeInfo?

    private var stateMachine = TLSStateMachine()
    /// The OpenSSL connection, until the handler is removed.
    private(set) var connection: TLSConnection?
    private var bufferedWrites: CircularBuffer<(data: ByteBuffer, promise: EventLoopPromise<Void>?)> = []
    private var closePromise: EventLoopPromise<Void>?
    private var handshakeTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    private let handshakeTimeout: TimeAmount
    private let closeTimeout: TimeAmount
    private var logger: Logger

    /// A handler for one connection.
    /// - Parameters:
    ///   - tlsContext: the shared context; its configuration decides server or client.
    ///   - serverHostname: on a client, the name to send as SNI (DNS names only) and to verify the
    ///     certificate against (required with ``TLSConfiguration/CertificateVerification/fullVerification``);
    ///     ignored on a server.
    ///   - handshakeTimeout: how long the handshake may take once the channel is active.
    ///   - closeTimeout: how long to wait for the peer's `close_notify` after sending ours.
    ///   - logger: receives debug messages about handshakes and failures.
    public init(
        tlsContext: TLSContext,
        serverHostname: String? = nil,
        handshakeTimeout: TimeAmount = .seconds(10),
        closeTimeout: TimeAmount = .seconds(5),
        logger: Logger
    ) throws {
        self.connection = try TLSConnection(context: tlsContext, serverHostname: serverHostname)
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.logger = logger
        if let serverHostname {
            self.logger[metadataKey: "tls.server-name"] = "\(serverHostname)"
        }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.handlerAdded(channelIsActive: context.channel.isActive), context: context)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.stateMachine.handlerRemoved()
        self.cancelTimers()
        self.failBufferedWrites(ChannelError.ioOnClosedChannel)
        self.closePromise?.fail(ChannelError.ioOnClosedChannel)
        self.closePromise = nil
        // Frees the SSL object and its BIOs.
        self.connection = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        self.perform(self.stateMachine.channelActive(), context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection = self.connection else { return }
        connection.receiveFromNetwork(self.unwrapInboundIn(data))
        self.perform(self.stateMachine.channelRead(), context: context)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = self.unwrapOutboundIn(data)
        switch self.stateMachine.write() {
        case .bufferWrite:
            self.bufferedWrites.append((buffer, promise))
        case .encryptWrite:
            self.encryptAndWrite(CollectionOfOne((buffer, promise)), context: context)
        case .failWrite:
            promise?.fail(ChannelError.ioOnClosedChannel)
        default:
            preconditionFailure("write() returns write actions only")
        }
    }

    public func flush(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.flush(), context: context)
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            // Half-closing a TLS connection is not supported.
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        if let promise {
            if let closePromise = self.closePromise {
                closePromise.futureResult.cascade(to: promise)
            } else {
                self.closePromise = promise
            }
        }
        self.perform(self.stateMachine.close(), context: context)
    }

    // MARK: Performing the state machine's actions

    private func perform(_ action: TLSStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .startHandshake:
            self.handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.handshakeTimeout) {
                self.perform(self.stateMachine.handshakeTimedOut(), context: context)
            }
            self.stepHandshake(context: context)
        case .continueHandshake:
            self.stepHandshake(context: context)
        case .completeHandshake:
            self.completeHandshake(context: context)
        case .decrypt:
            self.decrypt(context: context)
        case .bufferWrite, .encryptWrite, .failWrite:
            preconditionFailure("write actions are performed by write(context:data:promise:)")
        case .flush:
            context.flush()
        case .sendCloseNotify:
            self.closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.closeTimeout) {
                self.perform(self.stateMachine.closeTimedOut(), context: context)
            }
            self.shutdown(context: context)
        case .answerCloseNotifyAndClose:
            self.shutdown(context: context)
            self.closeChannel(context: context)
        case .closeChannel:
            self.closeChannel(context: context)
        case .failAndClose(let error):
            // Any alert OpenSSL wrote has already been drained and flushed after the failing call.
            self.logger.debug("TLS connection failed", metadata: ["tls.error.code": "\(error.code)", "tls.error": "\(error)"])
            context.fireErrorCaught(error)
            self.failBufferedWrites(error)
            self.closeChannel(context: context)
        case .channelClosed(let error):
            self.cancelTimers()
            if let error {
                self.logger.debug("TLS connection closed", metadata: ["tls.error.code": "\(error.code)"])
                context.fireErrorCaught(error)
            }
            self.failBufferedWrites(error ?? ChannelError.ioOnClosedChannel)
            let closePromise = self.closePromise
            self.closePromise = nil
            if let error {
                closePromise?.fail(error)
            } else {
                closePromise?.succeed()
            }
        case .forwardClose:
            let closePromise = self.closePromise
            self.closePromise = nil
            context.close(promise: closePromise)
        }
    }

    private func stepHandshake(context: ChannelHandlerContext) {
        guard let connection = self.connection else { return }
        let result = connection.handshake()
        self.writeCiphertext(context: context, promise: nil)
        context.flush()
        self.perform(self.stateMachine.handshakeStepped(result), context: context)
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        self.handshakeTimer?.cancel()
        self.handshakeTimer = nil
        guard let connection = self.connection else { return }
        let info: TLSHandshakeInfo
        do {
            info = try connection.handshakeInfo()
        } catch let error as TLSError {
            self.perform(self.stateMachine.connectionFailed(error), context: context)
            return
        } catch {
            preconditionFailure("handshakeInfo throws TLSError only")
        }
        self.handshakeInfo = info
        self.logger.debug(
            "TLS handshake completed",
            metadata: ["tls.version": "\(info.version)", "tls.cipher": "\(info.cipher)"]
        )
        // Writes made before the handshake go out before anything an event handler writes.
        let writes = self.bufferedWrites
        self.bufferedWrites.removeAll()
        self.encryptAndWrite(writes, context: context)
        context.flush()
        context.fireUserInboundEventTriggered(info)
        context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        self.decrypt(context: context)
    }

    /// Decrypts everything OpenSSL can and delivers it as one buffer, before acting on a
    /// `close_notify` or an error that follows it.
    private func decrypt(context: ChannelHandlerContext) {
        guard let connection = self.connection else { return }
        // Plaintext is never longer than its ciphertext: one allocation holds all of it.
        var plaintext = context.channel.allocator.buffer(
            capacity: connection.pendingCiphertext + TLSConnection.maximumRecordPlaintext
        )
        var outcome: TLSStateMachine.Action = .none
        loop: while self.stateMachine.state == .active || self.stateMachine.state == .closing {
            switch connection.read(into: &plaintext) {
            case .data:
                continue
            case .wantRead:
                break loop
            case .closeNotify:
                outcome = self.stateMachine.closeNotifyReceived()
                break loop
            case .failed(let error):
                outcome = self.stateMachine.connectionFailed(error)
                break loop
            }
        }
        if plaintext.readableBytes > 0 {
            context.fireChannelRead(self.wrapInboundOut(plaintext))
            context.fireChannelReadComplete()
        }
        // Reading may have produced records to send: a KeyUpdate answer, for one.
        if self.writeCiphertext(context: context, promise: nil) {
            context.flush()
        }
        self.perform(outcome, context: context)
    }

    private func encryptAndWrite(
        _ writes: some Collection<(data: ByteBuffer, promise: EventLoopPromise<Void>?)>,
        context: ChannelHandlerContext
    ) {
        guard let connection = self.connection, !writes.isEmpty else { return }
        for write in writes where write.data.readableBytes > 0 {
            if let error = connection.write(write.data) {
                self.writeCiphertext(context: context, promise: nil)
                context.flush()
                writes.forEach { $0.promise?.fail(error) }
                self.perform(self.stateMachine.connectionFailed(error), context: context)
                return
            }
        }
        let promises = writes.compactMap(\.promise)
        var combined: EventLoopPromise<Void>?
        if !promises.isEmpty {
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { result in
                promises.forEach { $0.completeWith(result) }
            }
            combined = promise
        }
        if !self.writeCiphertext(context: context, promise: combined) {
            // Only zero-length writes: nothing to send, nothing to wait for.
            combined?.succeed()
        }
    }

    /// Passes the ciphertext OpenSSL has produced to the next handler; `false` when there was none.
    @discardableResult
    private func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) -> Bool {
        guard let ciphertext = self.connection?.drainToNetwork(allocator: context.channel.allocator) else {
            return false
        }
        context.write(self.wrapOutboundOut(ciphertext), promise: promise)
        return true
    }

    private func shutdown(context: ChannelHandlerContext) {
        guard let connection = self.connection else { return }
        let result = connection.shutdown()
        self.writeCiphertext(context: context, promise: nil)
        context.flush()
        if case .failed(let error) = result {
            self.perform(self.stateMachine.connectionFailed(error), context: context)
        }
    }

    private func closeChannel(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.failBufferedWrites(ChannelError.ioOnClosedChannel)
        let closePromise = self.closePromise
        self.closePromise = nil
        context.close(promise: closePromise)
    }

    private func failBufferedWrites(_ error: any Error) {
        let writes = self.bufferedWrites
        self.bufferedWrites.removeAll()
        writes.forEach { $0.promise?.fail(error) }
    }

    private func cancelTimers() {
        self.handshakeTimer?.cancel()
        self.handshakeTimer = nil
        self.closeTimer?.cancel()
        self.closeTimer = nil
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
