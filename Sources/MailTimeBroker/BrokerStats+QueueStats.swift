import MailTimeModel
import MailTimeProtocol
import MailTimeQueue

extension BrokerStats {
    /// `STATS`: the queue's counts and times, with the broker's own figures.
    init(_ stats: QueueStats, isPaused: Bool, connections: Int, providers: [ProviderHealth]) {
        var counts: [JobState: Int] = [:]
        for state in JobState.allCases { counts[state] = stats.count(state) }
        self.init(
            counts: counts,
            oldestReadyAgeMilliseconds: stats.oldestReadyAge.milliseconds,
            nextDueAt: stats.nextDueAt?.millisecondsSince1970,
            nextLeaseDeadline: stats.nextLeaseDeadline?.millisecondsSince1970,
            isPaused: isPaused,
            connections: connections,
            providers: providers
        )
    }
}
