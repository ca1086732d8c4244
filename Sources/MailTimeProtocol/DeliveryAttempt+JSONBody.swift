import MailTimeJSON
import MailTimeModel

/// `{"attempt","outcome","at","duration_ms","provider","error","recipients"}`: an entry of `history`
/// in `STATUS`. `duration_ms`, `provider` and `error` (`{"code","text"}`) are left out when absent.
extension DeliveryAttempt: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("an attempt")
        let outcomeName = try value.required("outcome", "an attempt outcome", \.stringValue)
        guard let outcome = Outcome(name: outcomeName) else {
            throw ProtocolError(.invalidField, "outcome: unknown outcome \(outcomeName.prefix(32))")
        }
        self.init(
            number: try value.required("attempt", "a whole number", JSONValue.int),
            outcome: outcome,
            endedAt: try value.required("at", "Unix milliseconds", \.integerValue),
            durationMilliseconds: try value.optional("duration_ms", "a whole number of milliseconds", \.integerValue),
            provider: try value.optional("provider", "a string", \.stringValue),
            error: try value.body("error"),
            recipients: try value.array("recipients", RecipientResult.init(json:)) ?? []
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("attempt")
        writer.integer(number)
        writer.key("outcome")
        writer.string(outcome.name)
        writer.key("at")
        writer.integer(endedAt)
        if let durationMilliseconds {
            writer.key("duration_ms")
            writer.integer(durationMilliseconds)
        }
        if let provider {
            writer.key("provider")
            writer.string(provider)
        }
        if let error {
            writer.key("error")
            error.write(to: &writer)
        }
        writer.key("recipients")
        writer.beginArray()
        for recipient in recipients { recipient.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}
