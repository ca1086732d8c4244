import MailTimeJSON
import MailTimeDelivery
import MailTimeMessage
import MailTimeQueue

/// The JSON forms of jobs, events and stats in replies (protocol.md: `STATUS`, `LIST`, `EVENTS`,
/// `STATS`), written with the package's one JSON writer.
enum JobJSON {
    /// A job in the `STATUS` format.
    static func text(_ job: Job) -> String {
        var writer = JSONWriter()
        write(job, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// An event line's JSON: `{"event", "id", "at", …, "job"}`.
    static func text(_ event: QueueEvent) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("event")
        writer.string(event.kind.rawValue)
        writer.key("id")
        writer.string(event.job.id.description)
        writer.key("at")
        writer.integer(event.job.updatedAt.millisecondsSince1970)
        if event.kind == .deferred {
            writer.key("next_attempt")
            writer.integer(event.job.notBefore.millisecondsSince1970)
        }
        if let error = event.job.lastError, event.kind != .sent {
            writer.key("error")
            write(error, into: &writer)
        }
        writer.key("job")
        write(event.job, into: &writer)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `STATS`: counts per state, times, and the broker's own figures.
    static func text(_ stats: QueueStats, paused: Bool, connections: Int, providers: [ProviderHealth]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for state in JobState.allCases {
            writer.key(state.description)
            writer.integer(stats.count(state))
        }
        writer.key("oldest_ready_age_ms")
        writer.integer(stats.oldestReadyAge.milliseconds)
        writer.key("next_due_at")
        if let due = stats.nextDueAt { writer.integer(due.millisecondsSince1970) } else { writer.null() }
        writer.key("next_lease_deadline")
        if let deadline = stats.nextLeaseDeadline { writer.integer(deadline.millisecondsSince1970) } else { writer.null() }
        writer.key("paused")
        writer.bool(paused)
        writer.key("connections")
        writer.integer(connections)
        writer.key("providers")
        writer.beginArray()
        for provider in providers {
            writer.beginObject()
            writer.key("name")
            writer.string(provider.name)
            writer.key("up")
            writer.bool(provider.isUp)
            writer.key("sent")
            writer.integer(provider.sent)
            writer.key("failures")
            writer.integer(provider.failures)
            writer.key("consecutive_failures")
            writer.integer(provider.consecutiveFailures)
            writer.key("last_error")
            if let error = provider.lastError { writer.string(error) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func write(_ job: Job, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.string(job.id.description)
        writer.key("state")
        writer.string(job.state.description)
        writer.key("priority")
        writer.integer(job.priority)
        writer.key("attempts")
        writer.integer(job.attempts)
        writer.key("created_at")
        writer.integer(job.createdAt.millisecondsSince1970)
        writer.key("updated_at")
        writer.integer(job.updatedAt.millisecondsSince1970)
        if !job.state.isFinal, job.state != .leased {
            writer.key("not_before")
            writer.integer(job.notBefore.millisecondsSince1970)
        }
        if let finishedAt = job.finishedAt {
            writer.key("finished_at")
            writer.integer(finishedAt.millisecondsSince1970)
        }
        if let lease = job.activeLease {
            writer.key("lease")
            writer.beginObject()
            writer.key("owner")
            writer.string(lease.owner)
            writer.key("deadline")
            writer.integer(lease.deadline.millisecondsSince1970)
            writer.key("token")
            writer.integer(lease.token)
            writer.endObject()
        }
        if let provider = job.providerIndex {
            writer.key("provider")
            writer.integer(provider)
        }
        writer.key("cancel_requested")
        writer.bool(job.cancelRequested)
        if let error = job.lastError {
            writer.key("last_error")
            write(error, into: &writer)
        }
        writer.key("recipients")
        writer.beginArray()
        for result in job.recipientResults {
            writer.beginObject()
            writer.key("address")
            writer.string(result.address)
            writer.key("accepted")
            writer.bool(result.accepted)
            writer.key("code")
            writer.integer(result.replyCode)
            writer.key("reply")
            writer.string(result.reply)
            writer.endObject()
        }
        writer.endArray()
        if let key = job.idempotencyKey {
            writer.key("idempotency_key")
            writer.string(key)
        }
        writer.endObject()
    }

    private static func write(_ failure: DeliveryFailure, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("code")
        writer.string(failure.code)
        writer.key("text")
        writer.string(failure.text)
        if let provider = failure.provider {
            writer.key("provider")
            writer.string(provider)
        }
        writer.key("at")
        writer.integer(failure.at.millisecondsSince1970)
        writer.endObject()
    }
}
