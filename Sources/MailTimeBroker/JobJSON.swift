import Foundation
import MailTimeQueue

/// The JSON forms of jobs and events in replies (protocol.md: `STATUS`, `LIST`, `EVENTS`).
enum JobJSON {
    /// A job in the `STATUS` format, as a JSON object.
    static func object(_ job: Job) -> [String: Any] {
        var object: [String: Any] = [
            "id": job.id.description,
            "state": job.state.description,
            "priority": Int(job.priority),
            "attempts": job.attempts,
            "created_at": job.createdAt.millisecondsSince1970,
            "updated_at": job.updatedAt.millisecondsSince1970,
            "cancel_requested": job.cancelRequested,
            "recipients": job.recipientResults.map(recipient),
        ]
        if !job.state.isFinal, job.state != .leased { object["not_before"] = job.notBefore.millisecondsSince1970 }
        if let finishedAt = job.finishedAt { object["finished_at"] = finishedAt.millisecondsSince1970 }
        if let lease = job.activeLease {
            object["lease"] = ["owner": lease.owner, "deadline": lease.deadline.millisecondsSince1970, "token": lease.token]
        }
        if let provider = job.providerIndex { object["provider"] = provider }
        if let error = job.lastError { object["last_error"] = failure(error) }
        if let key = job.idempotencyKey { object["idempotency_key"] = key }
        return object
    }

    /// An event line's JSON: `{"event", "id", "at", "job", …}`.
    static func event(_ event: QueueEvent) -> [String: Any] {
        var object: [String: Any] = [
            "event": event.kind.rawValue,
            "id": event.job.id.description,
            "at": event.job.updatedAt.millisecondsSince1970,
            "job": Self.object(event.job),
        ]
        if event.kind == .deferred { object["next_attempt"] = event.job.notBefore.millisecondsSince1970 }
        if let error = event.job.lastError, event.kind != .sent { object["error"] = failure(error) }
        return object
    }

    static func recipient(_ result: RecipientResult) -> [String: Any] {
        ["address": result.address, "accepted": result.accepted, "code": result.replyCode, "reply": result.reply]
    }

    static func failure(_ failure: DeliveryFailure) -> [String: Any] {
        var object: [String: Any] = ["code": failure.code, "text": failure.text, "at": failure.at.millisecondsSince1970]
        if let provider = failure.provider { object["provider"] = provider }
        return object
    }

    /// Compact JSON text of an object (one line: JSON escapes line breaks inside strings).
    static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
