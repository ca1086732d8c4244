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
        fields.append(("recipients", recipients.isEmpty ? "-" : recipientLines.joined(separator: "\n")))
        return TextLayout.aligned(fields)
    }

    /// The job in a listing: `<id>  <state>  attempts=<n>  <last error code or ->`.
    var listLine: String {
        "\(id)  \(state.name)  attempts=\(attempts)  \(lastError?.code.name ?? "-")"
    }

    /// `<address>  accepted|rejected  <code> <reply>`, the addresses padded to one width.
    private var recipientLines: [String] {
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
