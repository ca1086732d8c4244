import MailTimeTLS
import NIOCore
import NIOEmbedded
import NIOTLS

/// Records what reaches the end of a pipeline: plaintext, events, errors, inactivity.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var reads: [ByteBuffer] = []
    private(set) var errors: [any Error] = []
    private(set) var handshakeInfo: TLSHandshakeInfo?
    private(set) var handshakeCompletedEvents = 0
    private(set) var isInactive = false
    /// When set, each read is written back (an echo server).
    var echoes = false

    var received: [UInt8] { self.reads.flatMap { Array($0.readableBytesView) } }
    var receivedText: String { String(decoding: self.received, as: UTF8.self) }
    var tlsErrors: [TLSError] { self.errors.compactMap { $0 as? TLSError } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.reads.append(buffer)
        if self.echoes {
            context.writeAndFlush(data, promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let info = event as? TLSHandshakeInfo {
            self.handshakeInfo = info
        } else if case .handshakeCompleted(negotiatedProtocol: nil)? = event as? TLSUserEvent {
            self.handshakeCompletedEvents += 1
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isInactive = true
    }
}

/// A client and a server `EmbeddedChannel` on one loop, with a ``TLSHandler`` each, whose bytes
/// ``interact()`` carries across until both fall silent.
final class BackToBackChannels {
    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientHandler: TLSHandler
    let serverHandler: TLSHandler
    let clientRecorder = Recorder()
    let serverRecorder = Recorder()

    init(
        clientContext: TLSContext,
        serverContext: TLSContext,
        serverHostname: String? = TLSFixtures.serverName
    ) throws {
        self.clientHandler = try TLSHandler(
            tlsContext: clientContext,
            serverHostname: serverHostname,
            logger: TLSFixtures.logger
        )
        self.serverHandler = try TLSHandler(tlsContext: serverContext, logger: TLSFixtures.logger)
        self.client = EmbeddedChannel(loop: self.loop)
        self.server = EmbeddedChannel(loop: self.loop)
        try self.client.pipeline.syncOperations.addHandlers([self.clientHandler, self.clientRecorder])
        try self.server.pipeline.syncOperations.addHandlers([self.serverHandler, self.serverRecorder])
    }

    /// Makes both channels active, which starts the handshake.
    func connect() {
        let address = try! SocketAddress(ipAddress: "127.0.0.1", port: 25)
        self.server.connect(to: address, promise: nil)
        self.client.connect(to: address, promise: nil)
    }

    /// Carries bytes both ways until neither side has anything to send.
    func interact() throws {
        var moved = true
        while moved {
            moved = false
            if let bytes = try Self.take(from: self.client), self.server.isActive {
                try self.server.writeInbound(bytes)
                moved = true
            }
            if let bytes = try Self.take(from: self.server), self.client.isActive {
                try self.client.writeInbound(bytes)
                moved = true
            }
        }
    }

    /// Everything `channel` has written, as one buffer.
    static func take(from channel: EmbeddedChannel) throws -> ByteBuffer? {
        var total: ByteBuffer?
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            if total == nil {
                total = buffer
            } else {
                total!.writeImmutableBuffer(buffer)
            }
        }
        return total
    }

    /// Writes `text` from `channel` and flushes it.
    func send(_ text: String, from channel: EmbeddedChannel) {
        channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }
}
