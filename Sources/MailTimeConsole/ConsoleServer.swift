import Hummingbird
import Logging
import MailTimeProtocol
import MailTimeTLS
import NIOCore
import ServiceLifecycle

/// The admin console as a service: HTTPS on its own port with the broker's certificate, answering with
/// a ``ConsoleResponder``, and counting the backend's events for the per-minute chart while it runs.
///
/// On graceful shutdown it stops accepting, ends the live-update streams and lets the requests in
/// flight finish.
public struct ConsoleServer: Service {
    private let configuration: ConsoleConfiguration
    private let responder: ConsoleResponder
    private let tlsContext: TLSContext
    private let eventLoopGroup: any EventLoopGroup
    private let onListening: @Sendable (Int) -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - tlsContext: a server context (the broker's certificate, no client certificate asked for).
    ///   - onListening: called with the bound port once the console listens (useful with port 0).
    public init(
        configuration: ConsoleConfiguration,
        backend: any ConsoleBackend,
        tlsContext: TLSContext,
        eventLoopGroup: any EventLoopGroup,
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.responder = try ConsoleResponder(configuration: configuration, backend: backend, logger: logger)
        self.tlsContext = tlsContext
        self.eventLoopGroup = eventLoopGroup
        self.onListening = onListening
        self.logger = logger
    }

    /// Runs until graceful shutdown; throws ``ConsoleListenError`` when the address cannot be bound.
    public func run() async throws {
        let responder = responder
        let subscription = responder.backend.subscribe { event in responder.record(event) }
        defer { subscription.cancel() }
        let configuration = configuration
        let logger = logger
        let onListening = onListening
        let listening = ListeningFlag()
        let application = Application(
            responder: responder,
            server: .http1(
                tlsContext: tlsContext,
                handshakeTimeout: configuration.handshakeTimeout.timeAmount,
                idleTimeout: configuration.idleTimeout.timeAmount
            ),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                listening.set()
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("console listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
                onListening(port)
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger
        )
        do {
            try await application.run()
        } catch  where !listening.isSet {
            throw ConsoleListenError(host: configuration.host, port: configuration.port, underlying: error)
        }
    }
}

/// The console's address cannot be bound: the port is in use, the address is not on this machine, or
/// the port is privileged.
public struct ConsoleListenError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The socket's error.
    public var underlying: any Error

    public var description: String { "cannot listen for the console on \(host) port \(port): \(underlying)" }
}
