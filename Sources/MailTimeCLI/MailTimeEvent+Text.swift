import MailTimeClient

extension MailTimeEvent {
    /// The event for people: `<time> <event> <id> <detail>`, where the detail is the failure, the
    /// next attempt, or how many events were lost, as the kind has them (`-` stands for no time or id).
    var textLine: String {
        var detail: [String] = []
        if let error { detail.append(error.summary) }
        if let nextAttempt { detail.append("next attempt \(TextLayout.time(nextAttempt))") }
        if let lost { detail.append("\(lost) events lost") }
        if kind == .sent, let job { detail.append("attempts=\(job.attempts)") }
        return ([TextLayout.time(at), kind.rawValue, id ?? "-"] + detail).joined(separator: " ")
    }
}
