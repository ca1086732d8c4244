import Logging
import MailTimeProtocol
import MailTimeTLS
import NIOCore

/// The client's end of one connection: writes requests and completes their promises with the
/// replies, which the broker sends in request order (protocol.md, section 3), so a FIFO of
/// promises matches them. The first entry is the greeting, which needs no request.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ReplyLine
    typealias OutboundIn = ClientRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<ClientRequest.Reply>()
    /// The head's reply while its data lines arrive, with how many are still due.
    private var partial: (reply: BrokerReply, remaining: Int)?
    /// Where `EVENT` lines go once `EVENTS` was answered.
    private var events: AsyncThrowingStream<String, any Error>.Continuation?
    /// Set once the connection can no longer be used; later requests fail with it.
    private var failure: MailTimeClientError?
    private var quitAnswered = false
    private let logger: Logger

    init(greeting: EventLoopPromise<BrokerReply>, logger: Logger) {
        self.pending.append(ClientRequest.Reply(shape: .single, isQuit: false, promise: greeting))
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            for reply in request.replies { reply.promise.fail(failure) }
            promise?.fail(failure)
            return
        }
        pending.append(contentsOf: request.replies)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let line = frame.text
        if let events, line.hasPrefix("EVENT ") {
            events.yield(String(line.dropFirst(6)))
            return
        }
        if var partial {
            partial.reply.dataLines.append(frame)
            partial.remaining -= 1
            if partial.remaining == 0 {
                self.partial = nil
                pending.removeFirst().promise.succeed(partial.reply)
            } else {
                self.partial = partial
            }
            return
        }
        guard let head = pending.first else {
            violate("a reply came with no request waiting for it: \(line.prefix(80))", context: context)
            return
        }
        if let error = MailTimeClientError(errorLine: line) {
            pending.removeFirst()
            head.promise.fail(error)
            return
        }
        guard line == "OK" || line.hasPrefix("OK ") else {
            violate("a reply is neither OK nor ERR: \(line.prefix(80))", context: context)
            return
        }
        switch head.shape {
        case .single:
            pending.removeFirst()
            if head.isQuit { quitAnswered = true }
            head.promise.succeed(BrokerReply(line: line))
        case .counted:
            guard let count = Int(line.dropFirst(3)), count >= 0 else {
                violate("a reply does not count its lines: \(line.prefix(80))", context: context)
                return
            }
            if count == 0 {
                pending.removeFirst()
                head.promise.succeed(BrokerReply(line: line))
            } else {
                partial = (BrokerReply(line: line), count)
            }
        case .events(let sink):
            pending.removeFirst()
            events = sink
            head.promise.succeed(BrokerReply(line: line))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: MailTimeClientError
        switch error {
        case let error as MailTimeClientError:
            failure = error
        case let error as TLSError where error.code == .uncleanShutdown:
            failure = MailTimeClientError(.connectionClosed, "the broker closed the connection without a TLS close_notify")
        case let error as TLSError:
            failure = MailTimeClientError(.tlsFailed, error.description)
        case let error as ByteToMessageDecoderError:
            failure = MailTimeClientError(.unexpectedReply, "cannot read the reply: \(error)")
        default:
            failure = MailTimeClientError(.connectionClosed, "the connection failed: \(error)")
        }
        logger.debug("MailTime connection failed", metadata: ["error": "\(failure)"])
        fail(failure, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let failure = self.failure ?? MailTimeClientError(.connectionClosed, "the broker closed the connection")
        self.failure = failure
        failPending(failure)
        if let events {
            self.events = nil
            if quitAnswered { events.finish() } else { events.finish(throwing: failure) }
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let failure = self.failure ?? MailTimeClientError(.connectionClosed, "the connection is closed")
        self.failure = failure
        failPending(failure)
        events?.finish(throwing: failure)
        events = nil
    }

    private func violate(_ message: String, context: ChannelHandlerContext) {
        fail(MailTimeClientError(.unexpectedReply, message), context: context)
    }

    /// Records the first failure, fails what waits and closes the connection.
    private func fail(_ error: MailTimeClientError, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        failPending(failure!)
        context.close(promise: nil)
    }

    private func failPending(_ error: MailTimeClientError) {
        partial = nil
        while let head = pending.popFirst() {
            head.promise.fail(error)
        }
    }
}

@available(*, unavailable)
extension ClientConnectionHandler: Sendable {}
