import Logging
import MailTimeQueue
import ServiceLifecycle

/// The durable queue as a service: while the broker runs it hands the queue's events to the `EVENTS`
/// subscribers; when it stops, it closes the store. It is the first of ``Broker/services``, so a
/// service group stops it last, after the listener and the senders have recorded their last operations.
struct QueueService: Service {
    let queue: MailQueue
    let hub: EventHub
    let logger: Logger

    func run() async {
        let forwarding = Task { [hub, queue] in await hub.run(queue.events) }
        // Returns on graceful shutdown, throws on cancellation: the store is closed either way.
        try? await gracefulShutdown()
        forwarding.cancel()
        await forwarding.value
        queue.close()
        logger.info("broker stopped")
    }
}
