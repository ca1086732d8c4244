import MailTimeJSON
import MailTimeModel

/// `{"address","accepted","code","reply"}`: in `STATUS` and in the worker reports.
extension RecipientResult: JSONBody {
    public init(json value: JSONValue) throws(ProtocolError) {
        _ = try value.objectMembers("a recipient result")
        self.init(
            address: try value.required("address", "a string", \.stringValue),
            accepted: try value.required("accepted", "a boolean", \.boolValue),
            code: try value.optional("code", "a whole number", JSONValue.int) ?? 0,
            reply: try value.optional("reply", "a string", \.stringValue) ?? ""
        )
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("address")
        writer.string(address)
        writer.key("accepted")
        writer.bool(accepted)
        writer.key("code")
        writer.integer(code)
        writer.key("reply")
        writer.string(reply)
        writer.endObject()
    }
}
