import Logging
import MailTimeProtocol
import MailTimeTLS
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The broker's TLS listener as a service: it accepts connections and speaks the MailTime protocol
/// on each, one connection's failure never affecting another.
///
/// On graceful shutdown a `ServerQuiescingHelper` closes the listening socket and sends each open
/// connection a `ChannelShouldQuiesceEvent`: the connection stops reading, answers the requests in
/// flight and closes. The service returns once every connection is closed; when the service group
/// escalates to cancellation, it closes the ones still open first.
actor BrokerListener: Service {
    private enum State {
        /// Not started yet.
        case idle
        /// Bound and accepting.
        case listening(channel: any Channel, quiescing: ServerQuiescingHelper)
        /// No longer accepting; the open connections are finishing what they have in flight.
        case quiescing
        /// Every connection is closed.
        case stopped
    }

    private var state = State.idle
    private let configuration: BrokerConfiguration
    private let executor: BrokerCommandExecutor
    private let authenticator: TokenAuthenticator
    private let hub: EventHub
    private let control: DeliveryControl
    private let tlsContext: TLSContext
    private let eventLoopGroup: any EventLoopGroup
    private let onListening: @Sendable (Int) -> Void
    private nonisolated let logger: Logger
    /// The open connections, to close when the drain is cut short.
    private nonisolated let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(
        configuration: BrokerConfiguration,
        executor: BrokerCommandExecutor,
        authenticator: TokenAuthenticator,
        hub: EventHub,
        control: DeliveryControl,
        tlsContext: TLSContext,
        eventLoopGroup: any EventLoopGroup,
        onListening: @escaping @Sendable (Int) -> Void,
        logger: Logger
    ) {
        self.configuration = configuration
        self.executor = executor
        self.authenticator = authenticator
        self.hub = hub
        self.control = control
        self.tlsContext = tlsContext
        self.eventLoopGroup = eventLoopGroup
        self.onListening = onListening
        self.logger = logger
    }

    func run() async throws {
        guard case .idle = state else { preconditionFailure("a BrokerListener runs once") }
        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let channel: any Channel
        do {
            channel = try await makeBootstrap(quiescing: quiescing).bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw BrokerStartupError.cannotListen(on: configuration.host, port: configuration.port, error)
        }
        state = .listening(channel: channel, quiescing: quiescing)
        let port = channel.localAddress?.port ?? configuration.port
        logger.notice("broker listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        onListening(port)

        let drained = channel.eventLoop.makePromise(of: Void.self)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await drained.futureResult.get()
            } onGracefulShutdown: {
                Task { await self.quiesce(completing: drained) }
            }
        } onCancel: {
            // The drain is cut short: what is still open is closed now.
            Task { await self.quiesce(completing: drained) }
            for connection in self.connections.withLock({ Array($0.values) }) {
                connection.close(promise: nil)
            }
        }
        state = .stopped
        logger.info("broker listener stopped")
    }

    /// Stops accepting and asks every connection to answer what it has in flight and close;
    /// completes `drained` once they have.
    private func quiesce(completing drained: EventLoopPromise<Void>) {
        guard case .listening(_, let quiescing) = state else { return }
        state = .quiescing
        logger.info("broker draining connections")
        quiescing.initiateShutdown(promise: drained)
    }

    private nonisolated func makeBootstrap(quiescing: ServerQuiescingHelper) -> ServerBootstrap {
        let configuration = configuration
        let logger = logger
        let control = control
        let executor = executor
        let authenticator = authenticator
        let hub = hub
        let tlsContext = tlsContext
        let replyBudget = UnwrittenReplyBudget(limit: configuration.maximumTotalUnwrittenReplyBytes)
        let greeting = BrokerReply.ok(
            "mailtime 1 max_line=\(configuration.maximumLineLength) max_payload=\(configuration.maximumEmailSize) max_inflight=\(configuration.maximumInFlight)"
        )
        return ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            // Accepted sockets inherit TCP_NODELAY from the listening one (NIO sets it there), and
            // reading is automatic by default: no option is set on each connection.
            .childChannelInitializer { [self] channel in
                let admitted = control.admitConnection(limit: configuration.maximumConnections)
                connections.withLock { $0[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { [self] _ in
                    if admitted { control.connectionClosed() }
                    _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
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
    }
}
