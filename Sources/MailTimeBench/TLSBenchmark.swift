import ArgumentParser
import Foundation
import Logging
import MailTimeTLS
import NIOCore
import NIOPosix
import NIOTLS

/// `mailtime-bench tls`: handshakes per second and bulk throughput through an echo server built on
/// `TLSHandler`. `--serve` runs only the server (for `Benchmarks/tls-vs-openssl.sh`), `--upload`
/// only a bulk client against any TLS server.
struct TLSBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Measures the TLS handler: handshakes per second and bulk MB/s (16 KB writes)."
    )

    @Flag(help: "Only run the echo server, until killed.")
    var serve = false

    @Flag(help: "With --serve: read and discard instead of echoing.")
    var discard = false

    @Option(help: "With --serve: the loopback port to listen on (0 picks one).")
    var port: Int = 0

    @Option(help: "PEM certificate chain for the server; a self-signed one for localhost if absent.")
    var cert: String?

    @Option(help: "PEM private key for --cert.")
    var key: String?

    @Option(help: "Only run the bulk client: upload --megabytes to this loopback port, then close.")
    var upload: Int?

    @Option(help: "Megabytes per bulk transfer.")
    var megabytes: Int = 256

    @Option(help: "Seconds each handshake measurement runs.")
    var seconds: Double = 5

    @Option(help: "Concurrent handshaking clients.")
    var clients: Int = 4

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int = System.coreCount

    func validate() throws {
        guard (self.cert == nil) == (self.key == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        guard self.megabytes > 0, self.seconds > 0, self.clients > 0, self.threads > 0 else {
            throw ValidationError("--megabytes, --seconds, --clients and --threads must be positive")
        }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        do {
            try await self.run(group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func run(group: MultiThreadedEventLoopGroup) async throws {
        let logger = Logger(label: "mailtime-bench.tls", factory: { _ in SwiftLogNoOpLogHandler() })
        let bytes = self.megabytes * 1_048_576

        if let upload {
            let client = try TLSContext(configuration: Self.uploadConfiguration)
            let elapsed = try await Self.bulk(group: group, port: upload, context: client, bytes: bytes, echo: false, logger: logger)
            print("bulk_mbps=\(Self.rate(megabytes: self.megabytes, elapsed))")
            return
        }

        let keyPair = try self.serverKeyPair()
        let server = try await Self.startServer(
            group: group,
            port: self.port,
            context: TLSContext(configuration: keyPair.configuration),
            echo: !self.discard,
            logger: logger
        )
        let port = server.localAddress!.port!
        if self.serve {
            print("listening port=\(port)")
            try await server.closeFuture.get()
            return
        }
        defer { server.close(promise: nil) }

        let fingerprint = keyPair.fingerprint
        var clientConfiguration = TLSConfiguration.client()
        clientConfiguration.certificateVerification = .pinned([fingerprint])
        let client = try TLSContext(configuration: clientConfiguration)
        let handshakes = try await Self.handshakes(
            group: group,
            port: port,
            context: client,
            clients: self.clients,
            duration: .milliseconds(Int64(self.seconds * 1000)),
            logger: logger
        )
        print(
            "handshakes: \(handshakes.count) in \(handshakes.elapsed) = \(Self.perSecond(handshakes.count, handshakes.elapsed)) /s (\(self.clients) clients)"
        )
        let elapsed = try await Self.bulk(group: group, port: port, context: client, bytes: bytes, echo: true, logger: logger)
        print("bulk echo: \(self.megabytes) MB each way in \(elapsed) = \(Self.rate(megabytes: self.megabytes, elapsed)) MB/s")
    }

    /// The server's certificate: from the files given, or a fresh self-signed one for localhost.
    private func serverKeyPair() throws -> (configuration: TLSConfiguration, fingerprint: TLSFingerprint) {
        if let cert, let key {
            let configuration = TLSConfiguration.server(certificateChain: .file(cert), privateKey: .file(key))
            return (configuration, try TLSFingerprint(certificatePEM: String(contentsOfFile: cert, encoding: .utf8)))
        }
        let keyPair = try TLSKeyPair.selfSigned(hostNames: ["localhost", "127.0.0.1"])
        let configuration = TLSConfiguration.server(
            certificateChain: .pem(keyPair.certificatePEM),
            privateKey: .pem(keyPair.privateKeyPEM)
        )
        return (configuration, try keyPair.fingerprint())
    }

    /// The upload client talks to servers with throw-away certificates: it checks none.
    private static var uploadConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.client()
        configuration.certificateVerification = .none
        return configuration
    }

    private static func startServer(
        group: MultiThreadedEventLoopGroup,
        port: Int,
        context: TLSContext,
        echo: Bool,
        logger: Logger
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(tlsContext: context, logger: logger),
                        EchoHandler(echo: echo),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    /// `clients` loops each connecting, completing a handshake and closing, for `duration`.
    private static func handshakes(
        group: MultiThreadedEventLoopGroup,
        port: Int,
        context: TLSContext,
        clients: Int,
        duration: Duration,
        logger: Logger
    ) async throws -> (count: Int, elapsed: Duration) {
        let started = ContinuousClock.now
        let deadline = started + duration
        let count = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<clients {
                tasks.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        let handshaken = group.any().makePromise(of: Void.self)
                        let channel = try await ClientBootstrap(group: group)
                            .channelOption(.socketOption(.tcp_nodelay), value: 1)
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandlers([
                                        TLSHandler(tlsContext: context, serverHostname: "localhost", logger: logger),
                                        HandshakeWaiter(promise: handshaken),
                                    ])
                                }
                            }
                            .connect(host: "127.0.0.1", port: port)
                            .get()
                        try await handshaken.futureResult.get()
                        try await channel.close()
                        done += 1
                    }
                    return done
                }
            }
            return try await tasks.reduce(0, +)
        }
        return (count, ContinuousClock.now - started)
    }

    /// Sends `bytes` in 16 KB writes, waits for them to come back (echo) or for the server to
    /// acknowledge the close (upload), and returns the time from the first write.
    private static func bulk(
        group: MultiThreadedEventLoopGroup,
        port: Int,
        context: TLSContext,
        bytes: Int,
        echo: Bool,
        logger: Logger
    ) async throws -> Duration {
        let finished = group.any().makePromise(of: Duration.self)
        _ = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(tlsContext: context, serverHostname: "localhost", logger: logger),
                        BulkClientHandler(total: bytes, echo: echo, promise: finished),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return try await finished.futureResult.get()
    }

    private static func perSecond(_ count: Int, _ elapsed: Duration) -> Int {
        Int(Double(count) / Self.seconds(elapsed))
    }

    private static func rate(megabytes: Int, _ elapsed: Duration) -> String {
        String(Int((Double(megabytes) / Self.seconds(elapsed)).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The benchmark server's application: echoes what it reads, or drops it.
private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let echo: Bool
    private var pendingFlush = false

    init(echo: Bool) {
        self.echo = echo
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.echo {
            context.write(data, promise: nil)
            self.pendingFlush = true
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.pendingFlush {
            self.pendingFlush = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Clients that hang up without close_notify (openssl s_time does) end up here.
        context.close(promise: nil)
    }
}

/// Completes its promise when the handshake does.
private final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.promise.succeed()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
    }
}

/// Writes `total` bytes in 16 KB writes once the handshake completes, keeping within the channel's
/// writability and, when echoing, at most 1 MB ahead of what came back.
private final class BulkClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let chunkSize = 16_384
    private static let window = 1_048_576

    private let total: Int
    private let echo: Bool
    private let promise: EventLoopPromise<Duration>
    private var chunk = ByteBuffer(repeating: UInt8(ascii: "m"), count: BulkClientHandler.chunkSize)
    private var started: ContinuousClock.Instant?
    private var sent = 0
    private var received = 0
    private var closing = false

    init(total: Int, echo: Bool, promise: EventLoopPromise<Duration>) {
        self.total = total
        self.echo = echo
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.started = .now
            self.pump(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.pump(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received += self.unwrapInboundIn(data).readableBytes
        if self.echo {
            self.pump(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let complete = self.echo ? self.received >= self.total : self.sent >= self.total
        if let started, complete {
            self.promise.succeed(.now - started)
        } else {
            self.promise.fail(ChannelError.eof)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        guard self.started != nil, !self.closing else { return }
        var wrote = false
        while self.sent < self.total, context.channel.isWritable,
            !self.echo || self.sent - self.received < Self.window
        {
            let size = min(Self.chunkSize, self.total - self.sent)
            context.write(self.wrapOutboundOut(self.chunk.getSlice(at: 0, length: size)!), promise: nil)
            self.sent += size
            wrote = true
        }
        if wrote {
            context.flush()
        }
        // Closing sends close_notify; the server's answer (or its hang-up) means it has read everything.
        if self.echo ? self.received >= self.total : self.sent >= self.total {
            self.closing = true
            context.close(promise: nil)
        }
    }
}
