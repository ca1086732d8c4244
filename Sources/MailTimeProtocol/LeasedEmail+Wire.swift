import MailTimeJSON

/// A `LEASE` reply's data line: `JOB <bytes> <json>`, then the email's `<bytes>` bytes, then CRLF
/// (protocol.md, section 5). The JSON is `{"id","token","attempts","provider","deadline","settled"}`,
/// with `provider` and `settled` left out when there are none.
extension LeasedEmail {
    /// The data line and its payload.
    public var replyLine: ReplyLine {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("id")
        writer.string(id)
        writer.key("token")
        writer.integer(token)
        writer.key("attempts")
        writer.integer(attempts)
        if let provider {
            writer.key("provider")
            writer.integer(provider)
        }
        writer.key("deadline")
        writer.integer(deadline)
        if !settledRecipients.isEmpty {
            writer.key("settled")
            writer.beginArray()
            for address in settledRecipients { writer.string(address) }
            writer.endArray()
        }
        writer.endObject()
        return ReplyLine("JOB \(email.count) " + String(decoding: writer.bytes, as: UTF8.self), payload: email)
    }

    /// Reads a `LEASE` reply's data line and its payload.
    public init(_ line: ReplyLine) throws(ProtocolError) {
        guard let size = ReplyLine.payloadSize(of: line.text), let email = line.payload, email.count == size else {
            throw ProtocolError(.invalidField, "a LEASE line is JOB <bytes> <json> followed by the email: \(line.text.prefix(80))")
        }
        let header = line.text.utf8.dropFirst(4 + String(size).utf8.count + 1)
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(header))
        } catch {
            throw ProtocolError(.invalidJSON, "a leased job is not JSON: \(error)")
        }
        _ = try value.objectMembers("a leased job")
        let settled = try value.array("settled") { element throws(ProtocolError) in
            guard let address = element.stringValue else { throw ProtocolError(.invalidField, "must be an address") }
            return address
        }
        self.init(
            id: try value.required("id", "a job id", \.stringValue),
            token: try value.required("token", "a token", JSONValue.token),
            attempts: try value.optional("attempts", "a whole number", JSONValue.int) ?? 0,
            provider: try value.optional("provider", "a provider index", JSONValue.int),
            deadline: try value.required("deadline", "Unix milliseconds", \.integerValue),
            settledRecipients: settled ?? [],
            email: email
        )
    }
}
