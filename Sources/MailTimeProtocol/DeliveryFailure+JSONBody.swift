import MailTimeJSON
import MailTimeModel

/// `{"code","text","provider","at"}`: `last_error` in `STATUS`, `error` in events and worker reports.
/// `provider` and `at` are left out when absent.
extension DeliveryFailure: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("error")
        let code = try value.required("code", "a string", \.stringValue)
        guard !code.isEmpty else { throw ProtocolError(.invalidField, "code must not be empty") }
        self.init(
            code: Code(code),
            text: try value.required("text", "a string", \.stringValue),
            provider: try value.optional("provider", "a string", \.stringValue),
            at: try value.optional("at", "Unix milliseconds", \.integerValue)
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("code")
        writer.string(code.name)
        writer.key("text")
        writer.string(text)
        if let provider {
            writer.key("provider")
            writer.string(provider)
        }
        if let at {
            writer.key("at")
            writer.integer(at)
        }
        writer.endObject()
    }
}
