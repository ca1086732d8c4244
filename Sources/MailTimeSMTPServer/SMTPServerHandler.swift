import Logging
import MailTimeSMTP
import MailTimeTLS
import NIOCore
import NIOExtras
import NIOTLS

/// The channel end of an SMTP server session: feeds what the client sends to
/// ``SMTPServerStateMachine`` and performs its actions: replies (flushed once per read), STARTTLS
/// (a ``TLSHandler`` added in front), the delegate's calls, the timeouts and the close.
///
/// While the delegate checks a login or stores a message, at most one more read is taken from the
/// client (clients usually send nothing then, and the socket stays registered for reading); what it
/// brings waits in the state machine and nothing more is read until it is handled, so a slow store
/// slows the clients down instead of filling memory. Nor is anything read while the replies cannot be
/// written (a client that pipelines commands without reading the replies).
final class SMTPServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var stateMachine: SMTPServerStateMachine
    private let configuration: SMTPServerConfiguration
    private let delegate: any SMTPServerDelegate
    private let tlsContext: TLSContext?
    /// The listener's logger; each message gets the client's address (`smtp.client`) as metadata.
    private let logger: Logger
    /// The context while the handler is in a pipeline.
    private var context: ChannelHandlerContext?
    /// Replies not written yet; written and flushed together.
    private var outbound = ByteBuffer()
    /// Whether a delegate call is out, so that reading waits.
    private var isWaiting = false
    /// Whether a read was asked for while waiting.
    private var isReadPending = false
    private var handshakeInfo: TLSHandshakeInfo?
    /// Runs the delegate's calls on this channel's event loop: no hop to another thread and back.
    private var executor: EventLoopTaskExecutor?
    private var timer: (scheduled: Scheduled<Void>, firesAt: NIODeadline)?
    /// When the client's time is up; `nil` while no timeout applies.
    private var deadline: NIODeadline?

    /// - Parameters:
    ///   - session: the client's address and whether it is trusted; `isTLS` with implicit TLS.
    ///   - tlsContext: the server context STARTTLS uses; `nil` offers no STARTTLS.
    ///   - refusal: a reply that refuses the session at once (such as `421 4.3.2` over the connection limit).
    init(
        configuration: SMTPServerConfiguration,
        session: SMTPServerSession,
        tlsContext: TLSContext?,
        delegate: any SMTPServerDelegate,
        refusal: SMTPServerReply? = nil,
        logger: Logger
    ) {
        self.stateMachine = SMTPServerStateMachine(
            configuration: configuration,
            session: session,
            isTLSAvailable: tlsContext != nil,
            refusal: refusal
        )
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.delegate = delegate
        self.logger = logger
    }

    /// The metadata of every log message: the client's address, and `extra`. Only made for messages
    /// that are logged at the logger's level.
    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["smtp.client": "\(stateMachine.session.remoteAddress)"]) { own, _ in own }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        executor = EventLoopTaskExecutor(eventLoop: context.eventLoop)
        outbound = context.channel.allocator.buffer(capacity: 256)
        if context.channel.isActive { drive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.debug("SMTP session started", metadata: metadata())
        drive(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        logger.debug("SMTP session ended", metadata: metadata())
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        stateMachine.received(&bytes)
        drive(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if (isWaiting && stateMachine.bufferedByteCount > 0) || !context.channel.isWritable {
            isReadPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let info = event as? TLSHandshakeInfo {
            handshakeInfo = info
        } else if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            stateMachine.tlsEstablished(protocol: handshakeInfo?.version.description, cipher: handshakeInfo?.cipher)
            drive(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            stateMachine.quiesce()
            drive(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("SMTP session failed", metadata: metadata(["error": "\(error)"]))
        context.close(promise: nil)
    }

    // MARK: - Actions

    /// Performs the state machine's actions until it waits.
    private func drive(context: ChannelHandlerContext) {
        while true {
            switch stateMachine.nextAction() {
            case .reply(let reply):
                reply.write(to: &outbound)
            case .startTLS:
                flushReplies(context: context)
                startTLS(context: context)
            case .authenticate(let username, let password):
                flushReplies(context: context)
                authenticate(username: username, password: password, context: context)
            case .deliver(let transaction):
                flushReplies(context: context)
                deliver(transaction, context: context)
            case .close:
                cancelTimer()
                closeAfterReplies(context: context)
                return
            case .awaitInput:
                flushReplies(context: context)
                armTimer(context: context)
                resumeReading(context: context)
                return
            case .awaitResult:
                flushReplies(context: context)
                armTimer(context: context)
                return
            }
        }
    }

    private func flushReplies(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        outbound = context.channel.allocator.buffer(capacity: 256)
    }

    /// Flushes the last replies and closes once they are written.
    private func closeAfterReplies(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else {
            context.close(promise: nil)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(outbound), promise: written)
        outbound = context.channel.allocator.buffer(capacity: 0)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func startTLS(context: ChannelHandlerContext) {
        guard let tlsContext else { return }
        do {
            var tlsLogger = logger
            tlsLogger[metadataKey: "smtp.client"] = "\(stateMachine.session.remoteAddress)"
            let handler = try TLSHandler(tlsContext: tlsContext, handshakeTimeout: TimeAmount(configuration.handshakeTimeout), logger: tlsLogger)
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            logger.debug("STARTTLS failed", metadata: metadata(["error": "\(error)"]))
            context.close(promise: nil)
        }
    }

    private func authenticate(username: String, password: String, context: ChannelHandlerContext) {
        isWaiting = true
        let delegate = delegate
        let session = stateMachine.session
        let promise = context.eventLoop.makePromise(of: SMTPServerIdentity?.self)
        Task(executorPreference: executor) { promise.succeed(await delegate.authenticate(username: username, password: password, session: session)) }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { identity in
            let handler = bound.value
            handler.logger.info(
                identity == nil ? "SMTP login refused" : "SMTP login accepted",
                metadata: handler.metadata(["smtp.user": "\(username)"])
            )
            handler.stateMachine.authenticationCompleted(identity)
            handler.resume()
        }
    }

    private func deliver(_ transaction: SMTPServerTransaction, context: ChannelHandlerContext) {
        isWaiting = true
        let delegate = delegate
        let session = stateMachine.session
        let promise = context.eventLoop.makePromise(of: SMTPServerVerdict.self)
        Task(executorPreference: executor) { promise.succeed(await delegate.receive(transaction, session: session)) }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let size = transaction.message.readableBytes
        promise.futureResult.whenSuccess { verdict in
            let handler = bound.value
            handler.logger.debug("SMTP message received", metadata: handler.metadata(["smtp.size": "\(size)", "smtp.verdict": "\(verdict)"]))
            handler.stateMachine.deliveryCompleted(verdict)
            handler.resume()
        }
    }

    /// The delegate answered: go on with what is buffered, then read again.
    private func resume() {
        isWaiting = false
        guard let context, context.channel.isActive else { return }
        drive(context: context)
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard !isWaiting, isReadPending, context.channel.isWritable else { return }
        isReadPending = false
        context.read()
    }

    // MARK: - Timeouts

    /// Moves the deadline to a full timeout from now, or clears it when none applies. The timer is
    /// scheduled again only when the deadline comes before it (DATA's shorter timeout), and moved on when
    /// it fires early, not at every read.
    private func armTimer(context: ChannelHandlerContext) {
        guard let timeout = stateMachine.timeout else {
            deadline = nil
            return
        }
        let amount = timeout == .command ? configuration.commandTimeout : configuration.dataTimeout
        let deadline = context.eventLoop.now + TimeAmount(amount)
        self.deadline = deadline
        if let timer {
            guard timer.firesAt > deadline else { return }
            timer.scheduled.cancel()
        }
        scheduleTimer(at: deadline, context: context)
    }

    private func scheduleTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let scheduled = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            guard let due = self.deadline, let context = self.context else { return }
            if due <= context.eventLoop.now {
                self.logger.debug("SMTP session timed out", metadata: self.metadata())
                self.stateMachine.timedOut()
                self.drive(context: context)
            } else {
                self.scheduleTimer(at: due, context: context)
            }
        }
        timer = (scheduled, deadline)
    }

    private func cancelTimer() {
        timer?.scheduled.cancel()
        timer = nil
        deadline = nil
    }
}
