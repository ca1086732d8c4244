import NIOCore

/// Turns a half-close of the output into a full close. Hummingbird ends a connection by closing its
/// output and waiting for the peer to close; ``TLSHandler`` does not half-close, so after the last
/// response the connection is closed whole (with `close_notify`), and the client does not wait for the
/// idle timeout.
final class OutputCloseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        context.close(mode: mode == .output ? .all : mode, promise: promise)
    }
}
