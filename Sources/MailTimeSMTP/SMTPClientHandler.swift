import Logging
import MailTimeTLS
import NIOCore
import NIOTLS

/// The channel end of an SMTP session: reads replies, feeds them to ``SMTPClientStateMachine``
/// and performs its actions (writes, STARTTLS, timers, completing promises).
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private var stateMachine: SMTPClientStateMachine
    private var parser = SMTPReplyParser()
    private var received = ByteBuffer()
    private var session: EventLoopPromise<SMTPCapabilities>?
    private var request: SMTPRequest?
    /// A transaction whose commands followed the current one's message; it takes over when the
    /// current one ends.
    private var pipelined: SMTPRequest?
    /// Requests written while another was under way, started in order as each one ends (or
    /// pipelined behind a message), so that a connection shared by two senders goes from one
    /// message to the next without a pause.
    private var queued = CircularBuffer<SMTPRequest>()
    /// Whether a flush of written message data is due at the end of the loop's current tasks.
    private var isFlushScheduled = false
    private var replyTimer: (scheduled: Scheduled<Void>, firesAt: NIODeadline)?
    /// When the awaited reply is due; `nil` while none is awaited.
    private var replyDeadline: NIODeadline?
    private let configuration: SMTPClientConfiguration
    private let tlsContext: TLSContext?
    private let logger: Logger

    init(
        configuration: SMTPClientConfiguration,
        tlsContext: TLSContext?,
        session: EventLoopPromise<SMTPCapabilities>,
        logger: Logger
    ) {
        self.stateMachine = SMTPClientStateMachine(configuration: configuration)
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.session = session
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        armReplyTimer(context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armReplyTimer(context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        do {
            while let reply = try parser.next(from: &received) {
                logger.trace("SMTP reply", metadata: ["smtp.reply": "\(reply)"])
                perform(stateMachine.replyReceived(reply), context: context)
                guard context.channel.isActive else { return }
            }
        } catch {
            perform(stateMachine.failed(error), context: context)
        }
        received.discardReadBytes()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        promise?.succeed(())
        guard context.channel.isActive, session == nil else {
            var failure = SMTPError(.connectionUnusable, "the connection is closed")
            failure.isBeforeData = true
            request.fail(failure)
            return
        }
        guard self.request == nil, queued.isEmpty else {
            queued.append(request)
            // The caller's flush then sends the commands.
            pipelineQueued(context: context)
            return
        }
        start(request, context: context)
    }

    private func start(_ request: SMTPRequest, context: ChannelHandlerContext) {
        self.request = request
        switch request {
        case .send(let transaction, _): perform(stateMachine.startTransaction(transaction), context: context)
        case .checkLiveness: perform(stateMachine.checkLiveness(), context: context)
        case .quit: perform(stateMachine.quit(), context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            perform(stateMachine.tlsEstablished(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(stateMachine.failed(Self.smtpError(error)), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(stateMachine.connectionClosed(), context: context)
        replyTimer?.scheduled.cancel()
        replyTimer = nil
        context.fireChannelInactive()
    }

    // MARK: - Actions

    private func perform(_ action: SMTPClientStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .write(let commands):
            writeCommands(commands, context: context)
            context.flush()
        case .writeData(let data):
            context.write(wrapOutboundOut(data.buffer), promise: nil)
            pipelineQueued(context: context)
            scheduleFlush(context: context)
        case .startTLS:
            startTLS(context: context)
        case .sessionReady(let capabilities):
            session?.succeed(capabilities)
            session = nil
        case .transactionCompleted(let result):
            if case .send(_, let promise) = request.take() { promise.succeed(result) }
            startNext(context: context)
        case .transactionFailed(let error):
            request.take()?.fail(error)
            startNext(context: context)
        case .livenessConfirmed:
            if case .checkLiveness(let promise) = request.take() { promise.succeed(()) }
            startQueued(context: context)
        case .close(let error):
            close(error, context: context)
        }
        armReplyTimer(context: context)
    }

    /// After a transaction: the pipelined one is under way now, or the next queued request starts.
    private func startNext(context: ChannelHandlerContext) {
        if let next = pipelined.take() {
            request = next
        } else {
            startQueued(context: context)
        }
    }

    /// Writes the first queued transaction's commands behind the message just written, when the
    /// session allows it (RFC 2920); they go out with the message's flush.
    private func pipelineQueued(context: ChannelHandlerContext) {
        guard pipelined == nil, case .send(let transaction, _)? = queued.first,
            let commands = stateMachine.pipelineTransaction(transaction)
        else { return }
        pipelined = queued.removeFirst()
        writeCommands(commands, context: context)
    }

    /// Writes `commands` in one buffer, without flushing.
    private func writeCommands(_ commands: [SMTPCommand], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 256)
        for command in commands {
            logger.trace("SMTP command", metadata: ["smtp.command": "\(command)"])
            command.write(into: &buffer)
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Flushes once the loop has run the tasks already queued: a sender that a reply just woke can
    /// then add its next transaction, and both go out in one write.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !isFlushScheduled else { return }
        isFlushScheduled = true
        context.eventLoop.assumeIsolatedUnsafeUnchecked().execute {
            self.isFlushScheduled = false
            context.flush()
        }
    }

    /// Starts the next queued request once the session is free again.
    private func startQueued(context: ChannelHandlerContext) {
        guard request == nil, stateMachine.isReady, let next = queued.popFirst() else { return }
        start(next, context: context)
    }

    private func startTLS(context: ChannelHandlerContext) {
        // RFC 3207 §5: anything after the 220 was sent before TLS, so an attacker may have put it there.
        guard !parser.hasPartialReply(in: received) else {
            perform(stateMachine.failed(SMTPError(.startTLSInjection, "the server sent plaintext after its 220 reply to STARTTLS")), context: context)
            return
        }
        do {
            guard let tlsContext else {
                throw SMTPError(.invalidConfiguration, "STARTTLS without a TLS context")
            }
            let handler = try TLSHandler(
                tlsContext: tlsContext,
                serverHostname: configuration.tlsServerName ?? configuration.host,
                handshakeTimeout: TimeAmount(configuration.timeouts.command),
                logger: logger
            )
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            perform(stateMachine.failed(Self.smtpError(error)), context: context)
        }
    }

    private func close(_ error: SMTPError?, context: ChannelHandlerContext) {
        replyTimer?.scheduled.cancel()
        replyTimer = nil
        replyDeadline = nil
        let failure = error ?? SMTPError(.connectionClosed, "the connection closed")
        if let error { logger.debug("SMTP connection failed", metadata: ["smtp.error": "\(error)"]) }
        session?.fail(failure)
        session = nil
        switch request.take() {
        case .quit(let promise)?: promise.succeed(())
        case let request?: request.fail(failure)
        case nil: break
        }
        // The pipelined and queued requests never had their message sent.
        var queuedFailure = failure
        queuedFailure.isBeforeData = true
        pipelined.take()?.fail(queuedFailure)
        while let queuedRequest = queued.popFirst() {
            if case .quit(let promise) = queuedRequest { promise.succeed(()) } else { queuedRequest.fail(queuedFailure) }
        }
        context.close(promise: nil)
    }

    /// Sets the deadline for the awaited reply. One timer per connection serves every reply: it is
    /// only rescheduled when it would fire too late, since cancelling NIO timers per reply is costly.
    private func armReplyTimer(context: ChannelHandlerContext) {
        guard let (step, bodySize) = stateMachine.awaitedStep else {
            replyDeadline = nil
            return
        }
        let deadline = NIODeadline.now() + TimeAmount(configuration.timeouts.limit(for: step, bodySize: bodySize))
        replyDeadline = deadline
        if let timer = replyTimer {
            guard timer.firesAt > deadline else { return }
            timer.scheduled.cancel()
        }
        scheduleReplyTimer(at: deadline, context: context)
    }

    private func scheduleReplyTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let scheduled = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.replyTimer = nil
            guard let due = self.replyDeadline else { return }
            if due <= .now() {
                self.perform(self.stateMachine.timedOut(), context: context)
            } else {
                self.scheduleReplyTimer(at: due, context: context)
            }
        }
        replyTimer = (scheduled, deadline)
    }

    static func smtpError(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError:
            return error
        case let error as TLSError where error.code == .uncleanShutdown:
            return SMTPError(.connectionClosed, "the server closed the TLS connection without close_notify")
        case let error as TLSError:
            return SMTPError(.tlsFailed, "TLS failed: \(error)")
        default:
            return SMTPError(.connectionFailed, "the connection failed: \(error)")
        }
    }
}
