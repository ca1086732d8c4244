import Logging
import MailTimeModel
import MailTimeQueue
import Metrics

/// The queue's gauges, through swift-metrics: `mailtime_queue_jobs{state}` (jobs in each state) and
/// `mailtime_queue_oldest_ready_seconds` (how long the oldest ready email has waited), refreshed
/// from `stats()` while the broker runs.
struct QueueMetrics: Sendable {
    private let jobs: [(state: JobState, gauge: Gauge)]
    private let oldestReady: Gauge

    init() {
        jobs = JobState.allCases.map { state in
            (state, Gauge(label: "mailtime_queue_jobs", dimensions: [("state", state.description)]))
        }
        oldestReady = Gauge(label: "mailtime_queue_oldest_ready_seconds")
    }

    /// Refreshes the gauges now and every `interval` until the task is cancelled.
    func run(_ queue: MailQueue, every interval: Duration, logger: Logger) async {
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

    private func record(_ stats: QueueStats) {
        for (state, gauge) in jobs {
            gauge.record(stats.count(state))
        }
        oldestReady.record(Double(stats.oldestReadyAge.milliseconds) / 1000)
    }
}
