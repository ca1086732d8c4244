import Logging
import MailTimeTLS
import NIOCore
import NIOEmbedded

extension FuzzTarget {
    /// A server ``TLSHandler`` (a self-signed key pair) fed any bytes as if from the network, in
    /// pieces: either from the start, in place of a client's handshake, or after a real client
    /// completed the handshake and sent one record. The first byte chooses which and the piece size.
    ///
    /// Checked: nothing crashes; no plaintext comes out but the real client's; and after the bytes
    /// and the end of the stream, the handler has reported an error and the channel is closed.
    static let tls = FuzzTarget(
        name: "tls",
        summary: "TLSHandler as a server, fed any records before or after a real handshake"
    ) { input in
        guard let first = input.first else { return }
        let afterHandshake = first & 1 == 1
        let pieceSize = first >> 1 == 0 ? input.count : Int(first >> 1)
        let peer = TLSFuzzing.Peer()
        if afterHandshake {
            peer.completeHandshake()
        } else {
            peer.server.connect(to: TLSFuzzing.address, promise: nil)
        }
        var start = 1
        while start < input.count && peer.server.isActive {
            let end = min(start + pieceSize, input.count)
            _ = try? peer.server.writeInbound(ByteBuffer(bytes: input[start..<end]))
            start = end
        }
        if peer.server.isActive {
            // The peer hangs up.
            peer.server.pipeline.fireChannelInactive()
        }
        precondition(
            peer.recorder.plaintext == (afterHandshake ? TLSFuzzing.greeting : ""),
            "plaintext from made-up records: \(peer.recorder.plaintext.debugDescription)")
        precondition(!peer.recorder.errors.isEmpty, "made-up records and the end of the stream reported no error")
        precondition(peer.recorder.isInactive, "the connection did not close")
        // Finishing runs what the loop still holds (the pipeline's teardown): without it the
        // channel, its handlers and their OpenSSL objects stay alive.
        _ = try? peer.server.finish(acceptAlreadyClosed: true)
        peer.loop.run()
    }
}

enum TLSFuzzing {
    static let logger = Logger(label: "mailtime.fuzz.tls")
    static let address = try! SocketAddress(ipAddress: "127.0.0.1", port: 7600)
    /// What the real client sends after the handshake.
    static let greeting = "PING\r\n"

    static let serverContext: TLSContext = {
        let keyPair = try! TLSKeyPair.selfSigned(hostNames: ["localhost"])
        return try! TLSContext(
            configuration: .server(certificateChain: .pem(keyPair.certificatePEM), privateKey: .pem(keyPair.privateKeyPEM))
        )
    }()

    static let clientContext = try! TLSContext(configuration: TLSConfiguration(role: .client, certificateVerification: .none))

    /// A server channel with a ``TLSHandler`` and what it passes on, and a client to complete a
    /// handshake with it.
    final class Peer {
        let loop = EmbeddedEventLoop()
        let server: EmbeddedChannel
        let recorder = Recorder()

        init() {
            server = EmbeddedChannel(loop: loop)
            try! server.pipeline.syncOperations.addHandlers([
                try! TLSHandler(tlsContext: TLSFuzzing.serverContext, logger: TLSFuzzing.logger), recorder,
            ])
        }

        /// Runs a real client's handshake and its first record through the server.
        func completeHandshake() {
            let client = EmbeddedChannel(loop: loop)
            try! client.pipeline.syncOperations.addHandler(try! TLSHandler(tlsContext: TLSFuzzing.clientContext, logger: TLSFuzzing.logger))
            server.connect(to: TLSFuzzing.address, promise: nil)
            client.connect(to: TLSFuzzing.address, promise: nil)
            client.writeAndFlush(ByteBuffer(string: TLSFuzzing.greeting), promise: nil)
            var moved = true
            while moved {
                moved = false
                while let bytes = try! client.readOutbound(as: ByteBuffer.self) {
                    try! server.writeInbound(bytes)
                    moved = true
                }
                while let bytes = try! server.readOutbound(as: ByteBuffer.self) {
                    try! client.writeInbound(bytes)
                    moved = true
                }
            }
            precondition(recorder.plaintext == TLSFuzzing.greeting, "the real handshake failed: \(recorder.errors)")
            // The client just goes away (closing it politely would wait for the server's close_notify).
            client.pipeline.fireChannelInactive()
            _ = try? client.finish(acceptAlreadyClosed: true)
        }
    }

    /// What the server's ``TLSHandler`` passes on: plaintext, errors, the end of the channel.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        var plaintext = ""
        var errors: [any Error] = []
        var isInactive = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            plaintext += String(buffer: unwrapInboundIn(data))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            errors.append(error)
        }

        func channelInactive(context: ChannelHandlerContext) {
            isInactive = true
        }
    }
}
