import Logging
import MailTimeClient
import MailTimeDelivery
import MailTimeMessage
import ServiceLifecycle

/// A sender process (`mailtime sender`): sender workers that lease emails over the protocol and
/// deliver them through SMTP providers, the same ``SenderService`` the broker's embedded senders run,
/// with a ``BrokerJobSource`` instead of the queue.
public struct RemoteSender: Sendable {
    /// How long the sends in flight may take to finish after SIGTERM or SIGINT.
    public static let shutdownGracePeriod: Duration = .seconds(30)

    private let clients: MailTimeClientPool
    private let router: ProviderRouter
    private let composer: MessageComposer
    private let concurrency: Int
    private let visibilitySeconds: Int
    private let logger: Logger

    /// - Parameters:
    ///   - clients: connections to the broker, authenticated with a worker or admin token.
    ///   - concurrency: how many emails are sent at once (sender workers).
    ///   - visibilitySeconds: how long a lease lasts; it is renewed every third of it during a send.
    public init(
        clients: MailTimeClientPool,
        router: ProviderRouter,
        composer: MessageComposer,
        concurrency: Int,
        visibilitySeconds: Int,
        logger: Logger
    ) {
        self.clients = clients
        self.router = router
        self.composer = composer
        self.concurrency = concurrency
        self.visibilitySeconds = visibilitySeconds
        self.logger = logger
    }

    /// Sends until SIGTERM or SIGINT; then stops leasing and lets the sends in flight finish, for up
    /// to ``shutdownGracePeriod``. Sends still running then are abandoned to their leases: the
    /// emails go out again after the leases expire.
    public func run() async throws {
        let source = BrokerJobSource(clients: clients, visibilitySeconds: visibilitySeconds, logger: logger)
        let workers = (0..<concurrency).map { _ in
            SenderWorker(
                source: source,
                deliverer: router,
                composer: composer,
                renewalInterval: .seconds(visibilitySeconds) / 3,
                batchSize: 1,
                logger: logger
            )
        }
        let senders = SenderService(workers: workers, router: router, stopLeasing: source.stopLeasing, logger: logger)
        var configuration = ServiceGroupConfiguration(services: [senders], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.shutdownGracePeriod
        try await ServiceGroup(configuration: configuration).run()
    }
}
