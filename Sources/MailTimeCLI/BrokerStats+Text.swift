import MailTimeClient
import MailTimeModel

extension BrokerStats {
    /// The statistics for people: the count in each state, then the oldest ready email's age,
    /// the next due time and lease deadline when there are any, whether paused, the connections,
    /// and one line per SMTP provider.
    var textLines: [String] {
        let width = counts.values.map { String($0).count }.max() ?? 1
        var fields: [(key: String, value: String)] = JobState.allCases.map { state in
            let count = String(counts[state] ?? 0)
            return (state.name, String(repeating: " ", count: width - count.count) + count)
        }
        fields.append(("oldest ready", counts[.ready, default: 0] == 0 ? "-" : TextLayout.duration(oldestReadyAgeMilliseconds)))
        if let nextDueAt { fields.append(("next due", TextLayout.time(nextDueAt))) }
        if let nextLeaseDeadline { fields.append(("next lease end", TextLayout.time(nextLeaseDeadline))) }
        fields.append(("paused", isPaused ? "yes" : "no"))
        fields.append(("connections", String(connections)))
        fields += providers.map { ("provider \($0.name)", $0.text) }
        return TextLayout.aligned(fields)
    }
}

extension ProviderHealth {
    /// `up, 12 sent, 1 failed`, `up (paused), …`, or `down, 0 sent, 3 failed (3 in a row), last error: …`.
    fileprivate var text: String {
        var text = "\(isUp ? "up" : "down")\(isPaused ? " (paused)" : ""), \(sent) sent, \(failures) failed"
        if consecutiveFailures > 0 { text += " (\(consecutiveFailures) in a row)" }
        if let lastError { text += ", last error: " + TextLayout.oneLine(lastError) }
        return text
    }
}
