import Foundation
import Logging
import MailTimeConsole
import MailTimeDelivery
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import MailTimeSMTPServer
import MailTimeTLS
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The broker, made of services for one `ServiceGroup`: the durable queue, its maintenance, its
/// gauges, the embedded senders, and the TLS listener speaking the MailTime protocol.
///
/// A service group stops its services in the reverse order of ``services``: on graceful shutdown
/// (SIGTERM, SIGINT) the listener stops accepting and answers the requests in flight, the senders
/// stop leasing and finish the emails in hand, maintenance and metrics stop, and the queue closes
/// last. Give the group ``shutdownGracePeriod`` as its maximum graceful shutdown duration: after it
/// the sends still running are abandoned to their leases.
public struct Broker: Sendable {
    /// Pause, resume and connection counts, shared with the connections and senders.
    public let control: DeliveryControl
    /// The services, in the order a service group starts them.
    public let services: [any Service]
    /// How long a graceful shutdown may take before it is escalated to cancellation.
    public let shutdownGracePeriod: Duration

    /// Opens the queue in the data directory (made, and filled with what is missing, on first start)
    /// and sets up the services; nothing listens or sends until they run.
    /// - Parameters:
    ///   - onListening: called with the bound port once the broker listens (useful with port 0).
    ///   - onConsoleListening: called with the admin console's bound port once it listens.
    public init(
        configuration: BrokerConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        onConsoleListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws {
        try EmbeddedDefaults.checkConfiguredFiles(configuration)
        // The store next: a directory another broker holds is refused before anything is made in it.
        let queue = try Self.openQueue(configuration, logger: logger)
        let control = DeliveryControl()
        let hub = EventHub()
        let tlsContext: TLSContext
        let authenticator: TokenAuthenticator
        let executor: BrokerCommandExecutor
        var services: [any Service] = [
            QueueService(queue: queue, hub: hub, logger: logger),
            QueueMaintenance(queue: queue, interval: .seconds(60), logger: logger),
            QueueMetrics(queue: queue, interval: .seconds(5), logger: logger),
        ]
        do {
            tlsContext = try Self.makeTLSContext(configuration, logger: logger)
            authenticator = try TokenAuthenticator(tokens: EmbeddedDefaults.tokens(configuration, logger: logger))
            executor = BrokerCommandExecutor(
                queue: queue,
                intake: try EmailIntake(configuration: configuration, clock: queue.configuration.clock),
                control: control
            )
            if let senders = try Self.makeSenders(configuration, queue: queue, control: control, eventLoopGroup: eventLoopGroup, logger: logger) {
                services.append(senders)
            }
        } catch {
            queue.close()
            throw error
        }
        services.append(
            BrokerListener(
                configuration: configuration,
                executor: executor,
                authenticator: authenticator,
                hub: hub,
                control: control,
                tlsContext: tlsContext,
                eventLoopGroup: eventLoopGroup,
                onListening: onListening,
                logger: logger
            )
        )
        do {
            services += try Self.makeSubmissionListeners(
                configuration, queue: queue, authenticator: authenticator, control: control, eventLoopGroup: eventLoopGroup, logger: logger)
            if let console = configuration.console {
                let backend = BrokerConsoleBackend(
                    queue: queue, authenticator: authenticator, hub: hub, control: control, providerConfigurations: configuration.providers)
                services.append(
                    try Self.makeConsole(
                        console, configuration, backend: backend, eventLoopGroup: eventLoopGroup, onListening: onConsoleListening, logger: logger)
                )
            }
        } catch {
            queue.close()
            throw error
        }
        self.control = control
        self.services = services
        self.shutdownGracePeriod = configuration.shutdownGracePeriod
    }

    /// The embedded senders: through the configured SMTP providers, or with none into `outbox/`
    /// in the data directory; `nil` with no senders configured.
    private static func makeSenders(
        _ configuration: BrokerConfiguration,
        queue: MailQueue,
        control: DeliveryControl,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) throws -> SenderService? {
        guard configuration.senders > 0 else { return nil }
        let deliverer: any MailDeliverer
        let router: ProviderRouter?
        if configuration.providers.isEmpty {
            let outbox = try FileOutboxDeliverer(directory: configuration.dataDirectory + "/outbox")
            logger.info("embedded senders deliver to the outbox", metadata: ["outbox": "\(outbox.directory)", "senders": "\(configuration.senders)"])
            deliverer = outbox
            router = nil
        } else {
            let providers = try ProviderRouter(providers: configuration.providers, configuration: configuration.routing, logger: logger)
            control.attach(providers)
            logger.info(
                "embedded senders deliver through SMTP",
                metadata: ["providers": "\(configuration.providers.map(\.name))", "senders": "\(configuration.senders)"]
            )
            deliverer = providers
            router = providers
        }
        let composer = MessageComposer(defaultFrom: try configuration.defaultFrom.map { try EmailAddress($0) })
        let host = ProcessInfo.processInfo.hostName
        let workers = (0..<configuration.senders).map { index in
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
        return SenderService(workers: workers, router: router, eventLoopGroup: eventLoopGroup, stopLeasing: control.stopLeasing, logger: logger)
    }

    /// The SMTP submission listeners that are configured: STARTTLS and implicit TLS, both with the
    /// broker's certificate (never asking for a client certificate), both queueing through one receiver.
    private static func makeSubmissionListeners(
        _ configuration: BrokerConfiguration,
        queue: MailQueue,
        authenticator: TokenAuthenticator,
        control: DeliveryControl,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) throws -> [any Service] {
        let submission = configuration.submission
        let listeners: [(name: String, address: SubmissionConfiguration.Address, mode: SMTPServerConfiguration.TLSMode)] =
            [
                submission.startTLS.map { ("submission", $0, .startTLS) },
                submission.implicitTLS.map { ("submissions", $0, .implicitTLS) },
            ].compactMap { $0 }
        guard !listeners.isEmpty else { return [] }
        var trustedNetworks: [IPNetwork] = []
        for network in submission.trustedNetworks {
            do {
                trustedNetworks.append(try IPNetwork(network))
            } catch {
                throw BrokerConfigurationError("submission.trusted-networks: \(error)")
            }
        }
        let pair = try EmbeddedDefaults.serverKeyPair(configuration, logger: logger)
        let tlsContext: TLSContext
        do {
            tlsContext = try TLSContext(configuration: .server(certificateChain: pair.certificate, privateKey: pair.key))
        } catch let error as TLSError {
            throw BrokerConfigurationError("the TLS certificate or key cannot be used: \(error.reason)")
        }
        let hostname = submission.hostname ?? ProcessInfo.processInfo.hostName
        let receiver = SubmissionReceiver(
            queue: queue, intake: SubmissionIntake(configuration: configuration), authenticator: authenticator, control: control,
            hostname: hostname,
            logger: logger)
        return listeners.map { listener in
            let settings = SMTPServerConfiguration(
                host: listener.address.host,
                port: listener.address.port,
                tlsMode: listener.mode,
                hostname: hostname,
                maximumMessageSize: configuration.maximumEmailSize,
                maximumRecipients: submission.maximumRecipients,
                maximumErrors: submission.maximumErrors,
                commandTimeout: submission.commandTimeout,
                dataTimeout: submission.dataTimeout,
                handshakeTimeout: configuration.handshakeTimeout,
                maximumConnections: submission.maximumConnections,
                trustedNetworks: trustedNetworks
            )
            var listenerLogger = logger
            listenerLogger[metadataKey: "listener"] = "\(listener.name)"
            let announced = listenerLogger
            return SMTPServer(
                configuration: settings, tlsContext: tlsContext, delegate: receiver, eventLoopGroup: eventLoopGroup,
                onListening: { port in
                    announced.notice("\(listener.name) listening", metadata: ["host": "\(listener.address.host)", "port": "\(port)"])
                },
                logger: listenerLogger
            )
        }
    }

    /// The admin console: HTTPS with the broker's certificate (never asking for a client certificate).
    private static func makeConsole(
        _ console: ConsoleConfiguration,
        _ configuration: BrokerConfiguration,
        backend: BrokerConsoleBackend,
        eventLoopGroup: any EventLoopGroup,
        onListening: @escaping @Sendable (Int) -> Void,
        logger: Logger
    ) throws -> ConsoleListener {
        let pair = try EmbeddedDefaults.serverKeyPair(configuration, logger: logger)
        let tlsContext: TLSContext
        do {
            tlsContext = try TLSContext(configuration: .server(certificateChain: pair.certificate, privateKey: pair.key))
        } catch let error as TLSError {
            throw BrokerConfigurationError("the TLS certificate or key cannot be used: \(error.reason)")
        }
        var consoleLogger = logger
        consoleLogger[metadataKey: "listener"] = "console"
        var settings = console
        settings.handshakeTimeout = configuration.handshakeTimeout
        return ConsoleListener(
            server: try ConsoleServer(
                configuration: settings, backend: backend, tlsContext: tlsContext, eventLoopGroup: eventLoopGroup, onListening: onListening,
                logger: consoleLogger
            )
        )
    }

    /// Makes the data directory and opens the queue in it; the failures are ``BrokerStartupError``s
    /// (another broker holds it, or it cannot be made or opened) or a ``BrokerConfigurationError``.
    private static func openQueue(_ configuration: BrokerConfiguration, logger: Logger) throws -> MailQueue {
        // mkdir(2) for each component, as `mkdir -p` does: its errno names the reason, which
        // Foundation's error sentence hides.
        var path = configuration.dataDirectory.hasPrefix("/") ? "/" : ""
        for component in configuration.dataDirectory.split(separator: "/") {
            path += component + "/"
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                let reason = String(cString: strerror(errno))
                throw BrokerStartupError(.dataDirectoryUnusable, "cannot make the data directory \(configuration.dataDirectory): \(reason)")
            }
        }
        do {
            return try MailQueue(configuration: configuration.queueConfiguration, logger: logger)
        } catch {
            switch error.code {
            case .locked: throw BrokerStartupError(.dataDirectoryLocked, error.message)
            case .invalidArgument: throw BrokerConfigurationError(error.message)
            case .storage, .notFound, .staleToken, .invalidState, .payloadTooLarge, .closed:
                throw BrokerStartupError(.dataDirectoryUnusable, error.message)
            }
        }
    }

    private static func makeTLSContext(_ configuration: BrokerConfiguration, logger: Logger) throws -> TLSContext {
        let pair = try EmbeddedDefaults.serverKeyPair(configuration, logger: logger)
        var tls = TLSConfiguration.server(certificateChain: pair.certificate, privateKey: pair.key)
        if let clientCA = configuration.clientCAPath {
            tls.trustRoots = .bundle(.file(clientCA))
            tls.certificateVerification = .fullVerification
        }
        do {
            return try TLSContext(configuration: tls)
        } catch let error as TLSError {
            throw BrokerConfigurationError("the TLS certificate, key or client CA cannot be used: \(error.reason)")
        }
    }
}
