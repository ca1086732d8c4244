import MailTimeJSON
import MailTimeModel

/// `{"name","up","paused","sent","failures","consecutive_failures","last_error"}`.
extension ProviderHealth: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("a provider")
        self.init(
            name: try value.required("name", "a string", \.stringValue),
            isUp: try value.required("up", "a boolean", \.boolValue),
            sent: try value.optional("sent", "a whole number", JSONValue.int) ?? 0,
            failures: try value.optional("failures", "a whole number", JSONValue.int) ?? 0,
            consecutiveFailures: try value.optional("consecutive_failures", "a whole number", JSONValue.int) ?? 0,
            lastError: try value.optional("last_error", "a string", \.stringValue),
            isPaused: try value.optional("paused", "a boolean", \.boolValue) ?? false
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("name")
        writer.string(name)
        writer.key("up")
        writer.bool(isUp)
        writer.key("paused")
        writer.bool(isPaused)
        writer.key("sent")
        writer.integer(sent)
        writer.key("failures")
        writer.integer(failures)
        writer.key("consecutive_failures")
        writer.integer(consecutiveFailures)
        writer.key("last_error")
        if let lastError { writer.string(lastError) } else { writer.null() }
        writer.endObject()
    }
}
