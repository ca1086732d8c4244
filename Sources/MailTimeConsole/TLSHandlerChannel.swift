import HummingbirdCore
import Logging
import MailTimeTLS
import NIOCore

/// A server child channel that puts the project's ``TLSHandler`` first in each connection's pipeline,
/// then sets up `BaseChannel` (HTTP/1.1) behind it: HummingbirdTLS's `TLSChannel`, over system OpenSSL.
struct TLSHandlerChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value

    let baseChannel: BaseChannel
    let tlsContext: TLSContext
    let handshakeTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers(
                TLSHandler(tlsContext: tlsContext, handshakeTimeout: handshakeTimeout, logger: logger),
                OutputCloseHandler()
            )
        }.flatMap {
            baseChannel.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension TLSHandlerChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { baseChannel.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 inside TLS through ``TLSHandler`` with `tlsContext` (a server context).
    static func http1(tlsContext: TLSContext, handshakeTimeout: TimeAmount, idleTimeout: TimeAmount) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TLSHandlerChannel(
                baseChannel: HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(idleTimeout: idleTimeout)),
                tlsContext: tlsContext,
                handshakeTimeout: handshakeTimeout
            )
        }
    }
}
