import Logging
import MailTimeDelivery
import ServiceLifecycle

/// The sender loops of `mailtime sender` as a service: it checks the providers, runs the
/// ``SenderWorker``s, and on graceful shutdown (SIGTERM, SIGINT through a `ServiceGroup`) stops
/// leasing and lets the sends in flight finish, for up to ``gracePeriod``. Sends still running
/// then are abandoned to their leases: the emails go out again after the leases expire.
struct SenderService: Service {
    let workers: [SenderWorker]
    let source: BrokerJobSource
    let router: ProviderRouter
    let gracePeriod: Duration
    let logger: Logger

    func run() async {
        let (shutdown, shutdownStarted) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationOrGracefulShutdownHandler {
            await router.checkProviders()
            logger.info("sender started", metadata: ["senders": "\(workers.count)"])
            // The senders stop when leasing stops, after the email in hand; they are not cancelled,
            // so a send in flight keeps renewing its lease.
            let sending = Task { [workers] in
                await SenderWorker.run(workers)
            }
            await withTaskGroup(of: Void.self) { waiting in
                waiting.addTask { await sending.value }
                waiting.addTask { [gracePeriod] in
                    for await _ in shutdown {}
                    try? await Task.sleep(for: gracePeriod)
                }
                await waiting.next()
                waiting.cancelAll()
            }
            sending.cancel()
        } onCancelOrGracefulShutdown: {
            logger.info("stopping: no new leases; finishing the sends in flight")
            source.stopLeasing()
            shutdownStarted.finish()
        }
        await router.shutdown()
        logger.info("sender stopped")
    }
}
