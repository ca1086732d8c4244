import Logging
import MailTimeProtocol
import MailTimeQueue
import MailTimeTLS
import NIOCore
import NIOTLS

/// One client connection: feeds frames to the session state machine, the connection's life to
/// ``BrokerConnectionStateMachine``, and carries out their actions.
final class BrokerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = BrokerFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let executor: BrokerCommandExecutor
    private let authenticator: TokenAuthenticator
    private let hub: EventHub
    private let greeting: BrokerReply
    private let admitted: Bool
    private let budget: UnwrittenReplyBudget
    private var logger: Logger

    private var session = BrokerSessionStateMachine()
    private var connection: BrokerConnectionStateMachine
    private var context: ChannelHandlerContext?
    private var peer = "unknown"
    private var subscription: Int?
    private var flushScheduled = false
    private var pendingOutput: ByteBuffer?
    /// The replies in `pendingOutput` and their ``BrokerReply/encodedByteCount``.
    private var pendingReplies = (count: 0, bytes: 0)
    /// Bytes taken from `budget` and not given back yet.
    private var budgetBytes = 0
    /// Requests read while the connection was over a limit, handled once it is within them.
    private var heldRequests = CircularBuffer<BrokerFrame>()

    init(
        executor: BrokerCommandExecutor,
        authenticator: TokenAuthenticator,
        hub: EventHub,
        greeting: BrokerReply,
        maximumInFlight: Int,
        maximumUnwrittenReplyBytes: Int,
        budget: UnwrittenReplyBudget,
        admitted: Bool,
        logger: Logger
    ) {
        self.executor = executor
        self.authenticator = authenticator
        self.hub = hub
        self.greeting = greeting
        self.connection = BrokerConnectionStateMachine(
            maximumInFlight: maximumInFlight,
            maximumUnwrittenReplyBytes: maximumUnwrittenReplyBytes
        )
        self.budget = budget
        self.admitted = admitted
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress {
            peer = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
            logger[metadataKey: "peer"] = "\(peer)"
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let subscription { hub.unsubscribe(subscription) }
        subscription = nil
        budget.forget(ObjectIdentifier(self))
        giveBack(budgetBytes)
        heldRequests.removeAll()
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            switch connection.handshakeCompleted(admitted: admitted) {
            case .greet:
                var buffer = context.channel.allocator.buffer(capacity: 128)
                greeting.write(into: &buffer)
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            case .refuseAndClose:
                let error = ProtocolError(.tooManyConnections, "the broker has too many connections; try again later")
                writeAndClose([.error(error)])
            case nil:
                break
            }
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if connection.idleTimeoutReached() == .close {
                logger.debug("closing an idle connection")
                close(context)
            }
        } else if event is ChannelShouldQuiesceEvent {
            heldRequests.removeAll()
            if connection.shutdownRequested() == .close { close(context) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch connection.requestArrived() {
        case .handle: perform(session.received(unwrapInboundIn(data)), context: context)
        case .hold: heldRequests.append(unwrapInboundIn(data))
        case .drop: break
        }
    }

    func read(context: ChannelHandlerContext) {
        if budget.isExceeded { connection.totalBudgetExceeded() }
        switch connection.read() {
        case .read:
            context.read()
        case .withhold:
            break
        case .withholdUntilTotalBudgetRecovers:
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let waits = budget.wake(ObjectIdentifier(self)) {
                bound.eventLoop.execute { bound.value.resume(bound.value.connection.totalBudgetRecovered()) }
            }
            if !waits { resume(connection.totalBudgetRecovered()) }
        }
    }

    /// Handles the held requests and reads again, as far as the connection's limits allow.
    private func resume(_ action: BrokerConnectionStateMachine.ResumeAction?) {
        guard action == .resume, let context else { return }
        while connection.takeHeldRequest(), let frame = heldRequests.popFirst() {
            perform(session.received(frame), context: context)
        }
        if connection.resumeReading() == .read { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        if connection.errorCaught() == .close { close(context) }
    }

    private func perform(_ action: BrokerSessionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .ignore:
            return
        case .reply(let reply):
            replyReady(reply, at: connection.reserveReply())
        case .replyAndClose(let reply):
            replyReady(reply, at: connection.reserveReply(), closeAfter: true)
        case .delayReplyAndClose(let reply):
            let place = connection.reserveReply()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(1)) {
                bound.value.replyReady(reply, at: place, closeAfter: true)
            }
        case .verify(let token):
            let grant = authenticator.grant(for: token)
            perform(session.tokenVerified(grant?.role, allowedSenderDomains: grant?.allowedSenderDomains), context: context)
        case .execute(let command, _):
            let place = connection.reserveReply()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            executor.execute(command, peer: peer, allowedSenderDomains: session.allowedSenderDomains) { reply in
                bound.eventLoop.execute { bound.value.replyReady(reply, at: place) }
            }
        case .startEvents:
            replyReady(.ok("EVENTS"), at: connection.reserveReply())
            connection.eventsStarted()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            subscription = hub.subscribe { event in
                bound.eventLoop.execute { bound.value.deliver(event) }
            }
        }
    }

    /// Hands the reply for `place` to the connection's state machine and writes what it lets out.
    private func replyReady(_ reply: BrokerReply, at place: Int, closeAfter: Bool = false) {
        switch connection.replyReady(reply, at: place, closeAfter: closeAfter) {
        case .write(let replies):
            write(replies)
        case .writeAndClose(let replies):
            writeAndClose(replies)
        case nil:
            break
        }
    }

    /// Adds replies to this event-loop turn's output.
    private func write(_ replies: [BrokerReply]) {
        guard let context else { return }
        pendingOutput = encode(replies, context: context)
        scheduleFlush(context)
    }

    /// Writes this turn's output and `replies` at once, then closes the connection.
    private func writeAndClose(_ replies: [BrokerReply]) {
        guard let context else { return }
        let buffer = encode(replies, context: context)
        let channel = context.channel
        writeReplies(buffer, context: context).whenComplete { _ in channel.close(promise: nil) }
    }

    /// This turn's output followed by `replies`, whose bytes are taken from the broker's budget.
    private func encode(_ replies: [BrokerReply], context: ChannelHandlerContext) -> ByteBuffer {
        var buffer = pendingOutput ?? context.channel.allocator.buffer(capacity: 256)
        pendingOutput = nil
        var bytes = 0
        for reply in replies {
            reply.write(into: &buffer)
            bytes += reply.encodedByteCount
        }
        pendingReplies.count += replies.count
        pendingReplies.bytes += bytes
        budgetBytes += bytes
        budget.take(bytes)
        return buffer
    }

    /// Writes and flushes `output`, the replies gathered in `pendingReplies`, and reports them
    /// written once the socket took them.
    private func writeReplies(_ output: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let written = pendingReplies
        pendingReplies = (0, 0)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let future = context.writeAndFlush(wrapOutboundOut(output))
        future.whenComplete { _ in
            let handler = bound.value
            handler.giveBack(written.bytes)
            handler.resume(handler.connection.repliesWritten(written.count, bytes: written.bytes))
        }
        return future
    }

    /// Gives `bytes` back to the broker's budget, as far as this connection still holds them.
    private func giveBack(_ bytes: Int) {
        let released = min(bytes, budgetBytes)
        budgetBytes -= released
        budget.release(released)
    }

    /// Writes the replies gathered in this event-loop turn at its end, in one TLS record and one
    /// system call: a group commit answers many requests at once.
    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = bound.value
            handler.flushScheduled = false
            guard let context = handler.context, let output = handler.pendingOutput, handler.connection.state != .closed else { return }
            handler.pendingOutput = nil
            _ = handler.writeReplies(output, context: context)
        }
    }

    private func deliver(_ event: QueueEvent) {
        guard let context, case .write(let lost) = connection.eventArrived() else { return }
        var buffer = context.channel.allocator.buffer(capacity: 512)
        if lost > 0 {
            buffer.writeString("EVENT " + MailTimeEvent.overflow(lost: lost).json + "\r\n")
        }
        buffer.writeString("EVENT " + MailTimeEvent(event).json + "\r\n")
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in bound.value.connection.eventWritten() }
    }

    /// Writes what this turn gathered, then closes.
    private func close(_ context: ChannelHandlerContext) {
        if let output = pendingOutput {
            pendingOutput = nil
            context.write(wrapOutboundOut(output), promise: nil)
        }
        context.close(promise: nil)
    }
}
