import MailTimeJSON
import MailTimeModel

/// `{"event","id","at","next_attempt","error","job","lost"}`: absent values are left out.
extension MailTimeEvent: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("an event")
        self.init(
            kind: Kind(rawValue: try value.required("event", "a string", \.stringValue)),
            id: try value.optional("id", "a job id", \.stringValue),
            at: try value.optional("at", "Unix milliseconds", \.integerValue),
            nextAttempt: try value.optional("next_attempt", "Unix milliseconds", \.integerValue),
            error: try value.body("error"),
            job: try value.body("job"),
            lost: try value.optional("lost", "a whole number", JSONValue.int)
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("event")
        writer.string(kind.rawValue)
        if let id {
            writer.key("id")
            writer.string(id)
        }
        if let at {
            writer.key("at")
            writer.integer(at)
        }
        if let nextAttempt {
            writer.key("next_attempt")
            writer.integer(nextAttempt)
        }
        if let error {
            writer.key("error")
            error.write(to: &writer)
        }
        if let job {
            writer.key("job")
            job.write(to: &writer)
        }
        if let lost {
            writer.key("lost")
            writer.integer(lost)
        }
        writer.endObject()
    }
}
