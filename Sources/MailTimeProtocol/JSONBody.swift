import MailTimeJSON

/// A body of the protocol written as one compact JSON value (protocol.md, section 5): the one
/// encoder (``write(to:)``) and the one decoder (``init(json:)``) both the broker and the client use.
public protocol JSONBody: Sendable {
    /// Reads the body from its parsed JSON; throws `INVALID_FIELD` for a field of the wrong form.
    init(json value: JSONValue) throws(ProtocolError)
    /// Writes the body's JSON.
    func write(to writer: inout JSONWriter)
}

extension JSONBody {
    /// Parses the body from its JSON text; throws `INVALID_JSON` for text that is not JSON.
    public init(jsonBytes bytes: [UInt8]) throws(ProtocolError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw ProtocolError(.invalidJSON, "not valid JSON: \(error)")
        }
        try self.init(json: value)
    }

    /// Parses the body from its JSON text; throws `INVALID_JSON` for text that is not JSON.
    public init(jsonText text: some StringProtocol) throws(ProtocolError) {
        try self.init(jsonBytes: Array(text.utf8))
    }

    /// The body's compact JSON.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// The body's compact JSON, as text.
    public var json: String { String(decoding: jsonBytes, as: UTF8.self) }
}
