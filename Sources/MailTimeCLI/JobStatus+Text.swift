import Foundation
import MailTimeClient
import MailTimeModel

extension JobStatus {
    /// The status for people: aligned `key: value` lines, times in ISO 8601 UTC, one line per recipient.
    var textLines: [String] {
        var fields: [(key: String, value: String)] = [
            ("id", id),
            ("state", state.name),
            ("priority", String(priority)),
            ("attempts", String(attempts)),
            ("created", TextLayout.time(createdAt)),
            ("updated", TextLayout.time(updatedAt)),
            ("next attempt", TextLayout.time(notBefore)),
        ]
        if let finishedAt { fields.append(("finished", TextLayout.time(finishedAt))) }
        if let lease { fields.append(("lease", "\(lease.owner) until \(TextLayout.time(lease.deadline))")) }
        if cancelRequested { fields.append(("cancel", "requested, once the current attempt ends")) }
        fields.append(("last error", lastError?.summary ?? "-"))
        fields.append(("provider", provider.map(String.init) ?? "-"))
        if let idempotencyKey { fields.append(("idempotency key", idempotencyKey)) }
        fields.append(("recipients", recipients.isEmpty ? "-" : Self.lines(recipients).joined(separator: "\n")))
        if let history {
            var lines = history.dropped > 0 ? ["(\(history.dropped) older attempt(s) not kept)"] : []
            lines += history.attempts.flatMap(Self.lines)
            fields.append(("history", lines.isEmpty ? "-" : lines.joined(separator: "\n")))
        }
        return TextLayout.aligned(fields)
    }

    /// The job in a listing: `<id>  <state>  attempts=<n>  <last error code or ->`.
    var listLine: String {
        "\(id)  \(state.name)  attempts=\(attempts)  \(lastError?.code.name ?? "-")"
    }

    /// An attempt: `#<n>  <ended>  <outcome>  <provider>  <duration>`, then its error and its
    /// recipients indented below.
    private static func lines(_ attempt: DeliveryAttempt) -> [String] {
        let heading = [
            "#\(attempt.number)", TextLayout.time(attempt.endedAt), attempt.outcome.name, attempt.provider ?? "-",
            attempt.durationMilliseconds.map(TextLayout.duration) ?? "-",
        ]
        var lines = [heading.joined(separator: "  ")]
        if let error = attempt.error { lines.append("  " + error.summary) }
        lines += Self.lines(attempt.recipients).map { "  " + $0 }
        return lines
    }

    /// `<address>  accepted|rejected  <code> <reply>`, the addresses padded to one width.
    private static func lines(_ recipients: [RecipientResult]) -> [String] {
        let width = recipients.map(\.address.count).max() ?? 0
        return recipients.map { recipient in
            let reply = TextLayout.oneLine(recipient.code == 0 ? recipient.reply : "\(recipient.code) \(recipient.reply)")
            let line =
                recipient.address.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  " + (recipient.accepted ? "accepted" : "rejected")
            return reply.isEmpty ? line : line + "  " + reply
        }
    }
}
