import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Sender workers as a service: the broker's embedded senders and `mailtime sender` both run this.
///
/// It checks the providers, then runs the ``SenderWorker``s spread over the event loops. On graceful
/// shutdown it calls `stopLeasing` (the source then leases nothing more) and lets the workers finish
/// the emails in hand; they are not cancelled, so a send in flight keeps renewing its lease and its
/// outcome is reported. When the service group escalates to cancellation (its maximum graceful
/// shutdown duration has passed), the sends still running are abandoned to their leases: the
/// emails go out again after the leases expire.
public struct SenderService: Service {
    private let workers: [SenderWorker]
    private let router: ProviderRouter?
    private let eventLoopGroup: any EventLoopGroup
    private let stopLeasing: @Sendable () -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - router: the SMTP providers the workers deliver through, checked at start and shut down at
    ///     the end; `nil` when they deliver elsewhere (the broker's outbox).
    ///   - stopLeasing: makes the workers' source lease nothing more (its `lease` throws `CancellationError`).
    public init(
        workers: [SenderWorker],
        router: ProviderRouter?,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        stopLeasing: @escaping @Sendable () -> Void,
        logger: Logger
    ) {
        self.workers = workers
        self.router = router
        self.eventLoopGroup = eventLoopGroup
        self.stopLeasing = stopLeasing
        self.logger = logger
    }

    public func run() async {
        await router?.checkProviders()
        logger.info("senders started", metadata: ["senders": "\(workers.count)"])
        let sending = Task { [workers, eventLoopGroup] in
            await SenderWorker.run(workers, on: eventLoopGroup)
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await sending.value
            } onGracefulShutdown: { [logger, stopLeasing] in
                logger.info("senders stopping: no new leases; finishing the sends in flight")
                stopLeasing()
            }
        } onCancel: {
            sending.cancel()
        }
        await router?.shutdown()
        logger.info("senders stopped")
    }
}
