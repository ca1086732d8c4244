import MailTimeJSON
import MailTimeModel

/// The `STATS` format (protocol.md, section 5): a count per state, then the times (`null` when
/// there is none), the broker's own figures and its providers.
extension BrokerStats: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("STATS")
        var counts: [JobState: Int] = [:]
        for state in JobState.allCases {
            counts[state] = try value.optional(state.name, "a whole number", JSONValue.int) ?? 0
        }
        self.init(
            counts: counts,
            oldestReadyAgeMilliseconds: try value.optional("oldest_ready_age_ms", "milliseconds", \.integerValue) ?? 0,
            nextDueAt: try value.optional("next_due_at", "Unix milliseconds", \.integerValue),
            nextLeaseDeadline: try value.optional("next_lease_deadline", "Unix milliseconds", \.integerValue),
            isPaused: try value.optional("paused", "a boolean", \.boolValue) ?? false,
            connections: try value.optional("connections", "a whole number", JSONValue.int) ?? 0,
            providers: try value.array("providers", ProviderHealth.init(json:)) ?? []
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        for state in JobState.allCases {
            writer.key(state.name)
            writer.integer(counts[state, default: 0])
        }
        writer.key("oldest_ready_age_ms")
        writer.integer(oldestReadyAgeMilliseconds)
        writer.key("next_due_at")
        if let nextDueAt { writer.integer(nextDueAt) } else { writer.null() }
        writer.key("next_lease_deadline")
        if let nextLeaseDeadline { writer.integer(nextLeaseDeadline) } else { writer.null() }
        writer.key("paused")
        writer.bool(isPaused)
        writer.key("connections")
        writer.integer(connections)
        writer.key("providers")
        writer.beginArray()
        for provider in providers { provider.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}
