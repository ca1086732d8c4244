import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves metrics for Prometheus over plain HTTP/1.1: `GET /metrics` answers with what `exposition`
/// makes (the text format, `text/plain; version=0.0.4`), any other path with 404.
///
/// The metrics backend is the caller's: the daemon bootstraps swift-prometheus and passes its
/// registry's output. On graceful shutdown it stops listening and closes its connections.
public final class MetricsServer: Service, Sendable {
    private let host: String
    private let port: Int
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let onListening: @Sendable (Int) -> Void
    private let exposition: @Sendable () -> [UInt8]
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// - Parameters:
    ///   - port: the port to listen on; 0 picks a free one.
    ///   - onListening: called with the bound port once the server listens.
    ///   - exposition: the metrics in the Prometheus text format, made for each scrape.
    public init(
        host: String,
        port: Int,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        exposition: @escaping @Sendable () -> [UInt8]
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.onListening = onListening
        self.exposition = exposition
    }

    public func run() async throws {
        let exposition = exposition
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                connections.withLock { $0[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { [self] _ in
                    _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exposition: exposition))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw BrokerStartupError.cannotListen(on: host, port: port, error)
        }
        let port = channel.localAddress?.port ?? port
        logger.notice("metrics listening", metadata: ["host": "\(host)", "port": "\(port)", "path": "/metrics"])
        onListening(port)

        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
        // A scrape takes milliseconds; whatever is still open is an idle keep-alive connection.
        for connection in connections.withLock({ Array($0.values) }) {
            try? await connection.close()
        }
        logger.info("metrics stopped")
    }
}
