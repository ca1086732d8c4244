import Logging
import MailTimeProtocol
import MailTimeQueue
import MailTimeTLS
import NIOCore
import NIOTLS

/// One client connection: feeds frames to the session state machine and carries out its actions.
/// Replies leave in request order; past `maximumInFlight` unanswered requests it stops reading.
final class BrokerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = BrokerFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Fired down the pipeline when the broker shuts down: stop reading, answer, close.
    struct ShutdownEvent {}

    private let executor: BrokerCommandExecutor
    private let authenticator: TokenAuthenticator
    private let hub: EventHub
    private let greeting: BrokerReply
    private let maximumInFlight: Int
    private let admitted: Bool
    private var logger: Logger

    private var session = BrokerSessionStateMachine()
    private var replies = ReplySequencer()
    private var context: ChannelHandlerContext?
    private var peer = "unknown"
    private var readWithheld = false
    private var isClosing = false
    private var isDraining = false
    private var subscription: Int?
    private var unwrittenEvents = 0
    private var lostEvents = 0
    private var flushScheduled = false
    private var pendingOutput: ByteBuffer?

    /// The most events waiting to be written to a slow subscriber before the oldest are dropped.
    static let eventBacklogLimit = 10_000

    init(
        executor: BrokerCommandExecutor,
        authenticator: TokenAuthenticator,
        hub: EventHub,
        greeting: BrokerReply,
        maximumInFlight: Int,
        admitted: Bool,
        logger: Logger
    ) {
        self.executor = executor
        self.authenticator = authenticator
        self.hub = hub
        self.greeting = greeting
        self.maximumInFlight = maximumInFlight
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
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            if admitted {
                send([(greeting, false)])
            } else {
                let error = ProtocolError(.tooManyConnections, "the broker has too many connections; try again later")
                send([(.error(error), true)])
            }
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if replies.unanswered == 0, subscription == nil {
                logger.debug("closing an idle connection")
                close(context)
            }
        } else if event is ShutdownEvent {
            drain(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing, !isDraining else { return }
        perform(session.received(unwrapInboundIn(data)), context: context)
        updateReading(context)
    }

    func read(context: ChannelHandlerContext) {
        if replies.unanswered >= maximumInFlight || isDraining {
            readWithheld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        close(context)
    }

    private func perform(_ action: BrokerSessionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .ignore:
            return
        case .reply(let reply):
            send(replies.fill(replies.reserve(), with: reply))
        case .replyAndClose(let reply):
            send(replies.fill(replies.reserve(), with: reply, closeAfter: true))
        case .delayReplyAndClose(let reply):
            let place = replies.reserve()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(1)) {
                bound.value.send(bound.value.replies.fill(place, with: reply, closeAfter: true))
            }
        case .verify(let token):
            perform(session.tokenVerified(authenticator.role(of: token)), context: context)
        case .execute(let command, _):
            let place = replies.reserve()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            executor.execute(command, peer: peer) { reply in
                bound.eventLoop.execute {
                    let handler = bound.value
                    handler.send(handler.replies.fill(place, with: reply))
                    if let context = handler.context { handler.updateReading(context) }
                }
            }
        case .startEvents:
            send(replies.fill(replies.reserve(), with: .ok("EVENTS")))
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            subscription = hub.subscribe { event in
                bound.eventLoop.execute { bound.value.deliver(event) }
            }
        }
    }

    /// Writes replies that are ready; closes after one that asks for it, or after the last one
    /// when draining for shutdown.
    private func send(_ ready: [(reply: BrokerReply, closeAfter: Bool)]) {
        guard let context, !ready.isEmpty, !isClosing else { return }
        var buffer = pendingOutput ?? context.channel.allocator.buffer(capacity: 256)
        pendingOutput = nil
        for (reply, _) in ready { reply.write(into: &buffer) }
        let closeAfter = ready.last!.closeAfter || (isDraining && replies.unanswered == 0)
        if closeAfter {
            isClosing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        pendingOutput = buffer
        scheduleFlush(context)
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
            guard let context = handler.context, let output = handler.pendingOutput, !handler.isClosing else { return }
            handler.pendingOutput = nil
            context.writeAndFlush(handler.wrapOutboundOut(output), promise: nil)
        }
    }

    private func deliver(_ event: QueueEvent) {
        guard let context, !isClosing else { return }
        guard unwrittenEvents < Self.eventBacklogLimit else {
            lostEvents += 1
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 512)
        if lostEvents > 0 {
            buffer.writeString("EVENT " + MailTimeEvent.overflow(lost: lostEvents).json + "\r\n")
            lostEvents = 0
        }
        buffer.writeString("EVENT " + MailTimeEvent(event).json + "\r\n")
        unwrittenEvents += 1
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in bound.value.unwrittenEvents -= 1 }
    }

    private func updateReading(_ context: ChannelHandlerContext) {
        if readWithheld, replies.unanswered < maximumInFlight, !isDraining {
            readWithheld = false
            context.read()
        }
    }

    private func drain(_ context: ChannelHandlerContext) {
        isDraining = true
        if replies.unanswered == 0 { close(context) }
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !isClosing else { return }
        isClosing = true
        if let output = pendingOutput {
            pendingOutput = nil
            context.write(wrapOutboundOut(output), promise: nil)
        }
        context.close(promise: nil)
    }
}
