import Logging
import MailTimeQueue
import ServiceLifecycle

/// Purges bodies past the body retention and history past the history retention now and then, until the broker stops (every queue operation
/// already makes due jobs ready and ends expired leases).
struct QueueMaintenance: Service {
    let queue: MailQueue
    let interval: Duration
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown { [queue, interval, logger] in
            while !Task.isCancelled {
                do {
                    let purged = try await queue.maintain()
                    if purged.bodies > 0 { logger.info("purged bodies", metadata: ["emails": "\(purged.bodies)"]) }
                    if purged.jobs > 0 { logger.info("purged history", metadata: ["jobs": "\(purged.jobs)"]) }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("queue maintenance failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
