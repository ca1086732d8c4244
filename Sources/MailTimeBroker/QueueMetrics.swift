import Logging
import MailTimeModel
import MailTimeQueue
import Metrics
import ServiceLifecycle

/// The queue's gauges, through swift-metrics: `mailtime_queue_jobs{state}` (jobs in each state) and
/// `mailtime_queue_oldest_ready_seconds` (how long the oldest ready email has waited), refreshed
/// from `stats()` every `interval` until the broker stops.
struct QueueMetrics: Service {
    private let queue: MailQueue
    private let interval: Duration
    private let logger: Logger
    private let jobs: [(state: JobState, gauge: Gauge)]
    private let oldestReady: Gauge

    init(queue: MailQueue, interval: Duration, logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
        jobs = JobState.allCases.map { state in
            (state, Gauge(label: "mailtime_queue_jobs", dimensions: [("state", state.description)]))
        }
        oldestReady = Gauge(label: "mailtime_queue_oldest_ready_seconds")
    }

    func run() async {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                do {
                    record(try await queue.stats())
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("cannot read the queue's stats for metrics", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func record(_ stats: QueueStats) {
        for (state, gauge) in jobs {
            gauge.record(stats.count(state))
        }
        oldestReady.record(Double(stats.oldestReadyAge.milliseconds) / 1000)
    }
}
