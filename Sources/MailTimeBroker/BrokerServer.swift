import Foundation
import Logging
import MailTimeDelivery
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import MailTimeTLS
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The broker as a service: the durable queue, the TLS listener speaking the MailTime protocol,
/// and the embedded senders. It keeps the queue's gauges current for swift-metrics (``MetricsServer``
/// serves them when the process bootstrapped a backend).
///
/// On graceful shutdown (SIGTERM, SIGINT through a `ServiceGroup`) it stops accepting, stops the
/// senders taking new emails, answers the requests already in flight, closes the connections and
/// then the store. One connection's failure never affects another.
public final class BrokerServer: Service, Sendable {
    private let configuration: BrokerConfiguration
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let onListening: @Sendable (Int) -> Void
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Pause, resume and connection counts, shared with the connections and senders.
    public let control = DeliveryControl()

    /// - Parameters:
    ///   - onListening: called with the bound port once the broker listens (useful with port 0).
    public init(
        configuration: BrokerConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.onListening = onListening
    }

    public func run() async throws {
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let tlsContext = try makeTLSContext()
        let authenticator = try TokenAuthenticator(tokens: EmbeddedDefaults.tokens(configuration, logger: logger))
        let queue = try MailQueue(configuration: configuration.queueConfiguration, logger: logger)
        let executor = BrokerCommandExecutor(
            queue: queue,
            intake: try EmailIntake(configuration: configuration, clock: queue.configuration.clock),
            control: control
        )
        let hub = EventHub()
        let senders = try await makeSenders(queue)

        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await hub.run(queue.events) }
            tasks.addTask { [logger] in await Self.maintain(queue, every: .seconds(60), logger: logger) }
            tasks.addTask { [logger] in await QueueMetrics().run(queue, every: .seconds(5), logger: logger) }
            // The senders stop on their own cancellation only, after the connections are drained.
            let sending = Task { [eventLoopGroup] in
                await SenderWorker.run(senders, on: eventLoopGroup)
            }
            do {
                try await serve(executor: executor, authenticator: authenticator, hub: hub, tlsContext: tlsContext)
            } catch {
                logger.error("the broker stopped", metadata: ["error": "\(error)"])
            }
            // Graceful drain: no new leases; sends in flight get the grace period, then are abandoned
            // to their leases (the emails go out again after the leases expire).
            sending.cancel()
            let grace = Task { [configuration] in
                try? await Task.sleep(for: configuration.shutdownGracePeriod)
            }
            await withTaskGroup(of: Void.self) { waiting in
                waiting.addTask { await sending.value }
                waiting.addTask { await grace.value }
                await waiting.next()
                waiting.cancelAll()
                grace.cancel()
            }
            await control.router?.shutdown()
            tasks.cancelAll()
        }
        queue.close()
        logger.info("broker stopped")
    }

    private func serve(
        executor: BrokerCommandExecutor,
        authenticator: TokenAuthenticator,
        hub: EventHub,
        tlsContext: TLSContext
    ) async throws {
        let configuration = configuration
        let logger = logger
        let control = control
        let replyBudget = UnwrittenReplyBudget(limit: configuration.maximumTotalUnwrittenReplyBytes)
        let greeting = BrokerReply.ok(
            "mailtime 1 max_line=\(configuration.maximumLineLength) max_payload=\(configuration.maximumEmailSize) max_inflight=\(configuration.maximumInFlight)"
        )
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: true)
            .childChannelInitializer { [self] channel in
                let admitted = control.admitConnection(limit: configuration.maximumConnections)
                channel.closeFuture.whenComplete { [self] _ in
                    if admitted { control.connectionClosed() }
                    _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                connections.withLock { $0[ObjectIdentifier(channel)] = channel }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(
                            tlsContext: tlsContext,
                            handshakeTimeout: .nanoseconds(Int64(configuration.handshakeTimeout.milliseconds) * 1_000_000),
                            logger: logger
                        ),
                        IdleStateHandler(readTimeout: .nanoseconds(Int64(configuration.idleTimeout.milliseconds) * 1_000_000)),
                        ByteToMessageHandler(
                            BrokerRequestDecoder(
                                maximumLineLength: configuration.maximumLineLength,
                                maximumPayloadSize: configuration.maximumEmailSize
                            )
                        ),
                        BrokerConnectionHandler(
                            executor: executor,
                            authenticator: authenticator,
                            hub: hub,
                            greeting: greeting,
                            maximumInFlight: configuration.maximumInFlight,
                            maximumUnwrittenReplyBytes: configuration.maximumUnwrittenReplyBytes,
                            budget: replyBudget,
                            admitted: admitted,
                            logger: logger
                        ),
                    ])
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.notice("broker listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        onListening(port)

        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
        logger.info("broker draining connections")
        try await drainConnections(timeout: .seconds(10))
    }

    /// Asks every connection to answer what it has in flight and close; waits for them, up to `timeout`.
    private func drainConnections(timeout: Duration) async throws {
        let open = connections.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(BrokerConnectionHandler.ShutdownEvent())
        }
        let deadline = ContinuousClock.now + timeout
        for channel in open {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { channel.close(promise: nil); continue }
            let closed = channel.eventLoop.scheduleTask(in: .milliseconds(remaining.milliseconds)) { channel.close(promise: nil) }
            try? await channel.closeFuture.get()
            closed.cancel()
        }
    }

    /// Purges history past the retention now and then (every operation already makes due jobs
    /// ready and ends expired leases).
    private static func maintain(_ queue: MailQueue, every interval: Duration, logger: Logger) async {
        while !Task.isCancelled {
            do {
                let purged = try await queue.maintain()
                if purged > 0 { logger.info("purged history", metadata: ["jobs": "\(purged)"]) }
                try await Task.sleep(for: interval)
            } catch {
                if Task.isCancelled { return }
                logger.warning("queue maintenance failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// The embedded senders: through the configured SMTP providers, or with none into `outbox/`
    /// in the data directory.
    private func makeSenders(_ queue: MailQueue) async throws -> [SenderWorker] {
        guard configuration.senders > 0 else { return [] }
        let deliverer: any MailDeliverer
        if configuration.providers.isEmpty {
            let outbox = try FileOutboxDeliverer(directory: configuration.dataDirectory + "/outbox")
            logger.info("embedded senders deliver to the outbox", metadata: ["outbox": "\(outbox.directory)", "senders": "\(configuration.senders)"])
            deliverer = outbox
        } else {
            let router = try ProviderRouter(providers: configuration.providers, configuration: configuration.routing, logger: logger)
            control.attach(router)
            await router.checkProviders()
            logger.info(
                "embedded senders deliver through SMTP",
                metadata: ["providers": "\(configuration.providers.map(\.name))", "senders": "\(configuration.senders)"]
            )
            deliverer = router
        }
        let composer = MessageComposer(defaultFrom: try configuration.defaultFrom.map { try EmailAddress($0) })
        let host = ProcessInfo.processInfo.hostName
        return (0..<configuration.senders).map { index in
            SenderWorker(
                source: QueueJobSource(
                    queue: queue, control: control, owner: "\(host)-\(getpid())-\(index)", visibility: configuration.leaseVisibility,
                    logger: logger
                ),
                deliverer: deliverer,
                composer: composer,
                renewalInterval: configuration.leaseVisibility / 3,
                batchSize: 8,
                folding: configuration.folding,
                logger: logger
            )
        }
    }

    private func makeTLSContext() throws -> TLSContext {
        let pair = try EmbeddedDefaults.serverKeyPair(configuration, logger: logger)
        var tls = TLSConfiguration.server(certificateChain: pair.certificate, privateKey: pair.key)
        if let clientCA = configuration.clientCAPath {
            tls.trustRoots = .bundle(.file(clientCA))
            tls.certificateVerification = .fullVerification
        }
        return try TLSContext(configuration: tls)
    }
}
