import MailTimeJSON
import MailTimeModel

/// The `STATUS` format (protocol.md, section 5): absent values are left out.
extension JobStatus: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("a job")
        let stateName = try value.required("state", "a job state", \.stringValue)
        guard let state = JobState(name: stateName) else {
            throw ProtocolError(.invalidField, "state: unknown state \(stateName.prefix(32))")
        }
        var history: AttemptHistory?
        if let attempts = try value.array("history", DeliveryAttempt.init(json:)) {
            history = AttemptHistory(
                attempts: attempts,
                dropped: try value.optional("history_dropped", "a whole number, 0 or more", JSONValue.int).map { max($0, 0) } ?? 0
            )
        }
        var lease: Lease?
        if let field = value["lease"], field != .null {
            lease = Lease(
                owner: try field.required("owner", "a string", \.stringValue),
                deadline: try field.required("deadline", "Unix milliseconds", \.integerValue),
                token: try field.required("token", "a token", JSONValue.token)
            )
        }
        self.init(
            id: try value.required("id", "a job id", \.stringValue),
            state: state,
            priority: try value.optional("priority", "a whole number", JSONValue.int) ?? 128,
            attempts: try value.optional("attempts", "a whole number", JSONValue.int) ?? 0,
            createdAt: try value.required("created_at", "Unix milliseconds", \.integerValue),
            updatedAt: try value.required("updated_at", "Unix milliseconds", \.integerValue),
            notBefore: try value.optional("not_before", "Unix milliseconds", \.integerValue),
            finishedAt: try value.optional("finished_at", "Unix milliseconds", \.integerValue),
            lease: lease,
            provider: try value.optional("provider", "a provider index", JSONValue.int),
            cancelRequested: try value.optional("cancel_requested", "a boolean", \.boolValue) ?? false,
            lastError: try value.body("last_error"),
            recipients: try value.array("recipients", RecipientResult.init(json:)) ?? [],
            idempotencyKey: try value.optional("idempotency_key", "a string", \.stringValue),
            history: history
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.string(id)
        writer.key("state")
        writer.string(state.name)
        writer.key("priority")
        writer.integer(priority)
        writer.key("attempts")
        writer.integer(attempts)
        writer.key("created_at")
        writer.integer(createdAt)
        writer.key("updated_at")
        writer.integer(updatedAt)
        if let notBefore {
            writer.key("not_before")
            writer.integer(notBefore)
        }
        if let finishedAt {
            writer.key("finished_at")
            writer.integer(finishedAt)
        }
        if let lease {
            writer.key("lease")
            writer.beginObject()
            writer.key("owner")
            writer.string(lease.owner)
            writer.key("deadline")
            writer.integer(lease.deadline)
            writer.key("token")
            writer.integer(lease.token)
            writer.endObject()
        }
        if let provider {
            writer.key("provider")
            writer.integer(provider)
        }
        writer.key("cancel_requested")
        writer.bool(cancelRequested)
        if let lastError {
            writer.key("last_error")
            lastError.write(to: &writer)
        }
        writer.key("recipients")
        writer.beginArray()
        for recipient in recipients { recipient.write(to: &writer) }
        writer.endArray()
        if let idempotencyKey {
            writer.key("idempotency_key")
            writer.string(idempotencyKey)
        }
        if let history {
            writer.key("history")
            writer.beginArray()
            for attempt in history.attempts { attempt.write(to: &writer) }
            writer.endArray()
            writer.key("history_dropped")
            writer.integer(history.dropped)
        }
        writer.endObject()
    }
}
