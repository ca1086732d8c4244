import Logging
import MailTimeTLS
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import Synchronization

/// An SMTP submission listener as a service: it binds ``SMTPServerConfiguration/host`` and
/// ``SMTPServerConfiguration/port`` and runs one ``SMTPServerHandler`` session per connection,
/// handing logins and messages to the ``SMTPServerDelegate``. One connection's failure never
/// affects another.
///
/// Over ``SMTPServerConfiguration/maximumConnections`` a new connection is answered
/// `421 4.3.2 Too many connections` and closed. On graceful shutdown a `ServerQuiescingHelper` closes
/// the listening socket; a session between transactions is answered `421 4.3.2` and closed, one in a
/// transaction finishes it first. The service returns once every connection is closed; when the service
/// group escalates to cancellation, it closes the ones still open first.
public actor SMTPServer: Service {
    private enum State {
        /// Not started yet.
        case idle
        /// Bound and accepting.
        case listening(quiescing: ServerQuiescingHelper)
        /// No longer accepting; the open sessions are finishing.
        case quiescing
        /// Every connection is closed.
        case stopped
    }

    private var state = State.idle
    private let configuration: SMTPServerConfiguration
    private let tlsContext: TLSContext?
    private let delegate: any SMTPServerDelegate
    private let eventLoopGroup: any EventLoopGroup
    private let onListening: @Sendable (Int) -> Void
    private nonisolated let logger: Logger
    /// The open connections, to close when the drain is cut short, and to count against the limit.
    private nonisolated let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// A listener.
    /// - Parameters:
    ///   - configuration: the address, the TLS mode and the session limits.
    ///   - tlsContext: a server context; required with ``SMTPServerConfiguration/TLSMode/implicitTLS``,
    ///     optional with ``SMTPServerConfiguration/TLSMode/startTLS`` (`nil` offers no STARTTLS).
    ///   - delegate: checks logins and takes the messages.
    ///   - eventLoopGroup: where the connections run.
    ///   - onListening: called with the bound port once listening (useful with port 0).
    ///   - logger: receives the listener's and the sessions' messages.
    public init(
        configuration: SMTPServerConfiguration,
        tlsContext: TLSContext?,
        delegate: any SMTPServerDelegate,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        logger: Logger
    ) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.delegate = delegate
        self.eventLoopGroup = eventLoopGroup
        self.onListening = onListening
        self.logger = logger
    }

    /// Listens until graceful shutdown or cancellation.
    /// - Throws: ``SMTPServerError`` with ``SMTPServerError/Code/addressUnavailable`` when the address
    ///   cannot be bound, ``SMTPServerError/Code/tlsContextMissing`` for implicit TLS without a context.
    public func run() async throws {
        guard case .idle = state else { preconditionFailure("an SMTPServer runs once") }
        if configuration.tlsMode == .implicitTLS, tlsContext == nil {
            throw SMTPServerError(.tlsContextMissing, "implicit TLS on port \(configuration.port) needs a certificate and a key")
        }
        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let channel: any Channel
        do {
            channel = try await makeBootstrap(quiescing: quiescing).bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPServerError.cannotListen(on: configuration.host, port: configuration.port, error)
        }
        state = .listening(quiescing: quiescing)
        let port = channel.localAddress?.port ?? configuration.port
        logger.notice(
            "SMTP listening",
            metadata: ["host": "\(configuration.host)", "port": "\(port)", "smtp.tls": "\(configuration.tlsMode)"]
        )
        onListening(port)

        let drained = channel.eventLoop.makePromise(of: Void.self)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await drained.futureResult.get()
            } onGracefulShutdown: {
                Task { await self.quiesce(completing: drained) }
            }
        } onCancel: {
            Task { await self.quiesce(completing: drained) }
            for connection in self.connections.withLock({ Array($0.values) }) {
                connection.close(promise: nil)
            }
        }
        state = .stopped
        logger.info("SMTP listener stopped", metadata: ["port": "\(port)"])
    }

    /// Stops accepting and asks every session to finish; completes `drained` once they have.
    private func quiesce(completing drained: EventLoopPromise<Void>) {
        guard case .listening(let quiescing) = state else { return }
        state = .quiescing
        logger.info("SMTP listener draining sessions")
        quiescing.initiateShutdown(promise: drained)
    }

    private nonisolated func makeBootstrap(quiescing: ServerQuiescingHelper) -> ServerBootstrap {
        let configuration = configuration
        let tlsContext = tlsContext
        let delegate = delegate
        let logger = logger
        return ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accepted sockets inherit TCP_NODELAY from the listening one (NIO sets it there), and
            // reading is automatic by default: no option is set on each connection.
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { [self] channel in
                let open = connections.withLock { connections in
                    connections[ObjectIdentifier(channel)] = channel
                    return connections.count
                }
                channel.closeFuture.whenComplete { [self] _ in
                    _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                let address = channel.remoteAddress
                let session = SMTPServerSession(
                    remoteAddress: address?.ipAddress ?? "unknown",
                    isTLS: configuration.tlsMode == .implicitTLS,
                    isTrusted: address.map { address in configuration.trustedNetworks.contains { $0.contains(address) } } ?? false
                )
                let refusal =
                    open > configuration.maximumConnections
                    ? SMTPServerReply(421, (4, 3, 2), "\(configuration.hostname) Too many connections, try again later") : nil
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if configuration.tlsMode == .implicitTLS, let tlsContext {
                        try sync.addHandler(
                            TLSHandler(tlsContext: tlsContext, handshakeTimeout: TimeAmount(configuration.handshakeTimeout), logger: logger)
                        )
                    }
                    try sync.addHandler(
                        SMTPServerHandler(
                            configuration: configuration,
                            session: session,
                            tlsContext: configuration.tlsMode == .startTLS ? tlsContext : nil,
                            delegate: delegate,
                            refusal: refusal,
                            logger: logger
                        )
                    )
                }
            }
    }
}
