import MailTimeJSON
import MailTimeModel

extension WorkerReport {
    /// Reads `COMPLETE`'s optional results array (`nil` when the line has none).
    public init(completeJSON text: String?) throws(ProtocolError) {
        guard let value = try Self.parse(text) else {
            self = .complete(results: [])
            return
        }
        self = .complete(results: try value.elements(named: "results", RecipientResult.init(json:)))
    }

    /// Reads `RETRY`'s report, `{"error","results","delay_ms","provider"}`; refuses other fields.
    public init(retryJSON text: String) throws(ProtocolError) {
        let report = try Self.object(try Self.parse(text), known: ["error", "results", "delay_ms", "provider"])
        let delay = try report.optional("delay_ms", "a whole number of milliseconds, 0 or more") { $0.integerValue.flatMap { $0 >= 0 ? $0 : nil } }
        let provider = try report.optional("provider", "a provider index, 0 or more") { field in
            field.integerValue.flatMap { (0...Int64(Int32.max)).contains($0) ? Int($0) : nil }
        }
        self = .retry(
            try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [], delayMilliseconds: delay,
            provider: provider)
    }

    /// Reads `FAIL`'s report, `{"error","results"}`; refuses other fields.
    public init(failJSON text: String) throws(ProtocolError) {
        let report = try Self.object(try Self.parse(text), known: ["error", "results"])
        self = .fail(try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [])
    }

    /// The command word and its JSON argument (`nil` for `COMPLETE` with no results).
    public var wire: (command: String, json: String?) {
        var writer = JSONWriter()
        switch self {
        case .complete(let results):
            guard !results.isEmpty else { return ("COMPLETE", nil) }
            Self.write(results, to: &writer)
            return ("COMPLETE", String(decoding: writer.bytes, as: UTF8.self))
        case .retry(let error, let results, let delay, let provider):
            writer.beginObject()
            Self.write(error, results, to: &writer)
            if let delay {
                writer.key("delay_ms")
                writer.integer(delay)
            }
            if let provider {
                writer.key("provider")
                writer.integer(provider)
            }
            writer.endObject()
            return ("RETRY", String(decoding: writer.bytes, as: UTF8.self))
        case .fail(let error, let results):
            writer.beginObject()
            Self.write(error, results, to: &writer)
            writer.endObject()
            return ("FAIL", String(decoding: writer.bytes, as: UTF8.self))
        }
    }

    private static func parse(_ text: String?) throws(ProtocolError) -> JSONValue? {
        guard let text else { return nil }
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            throw ProtocolError(.invalidJSON, "the argument is not valid JSON: \(error)")
        }
    }

    private static func object(_ value: JSONValue?, known: Set<String>) throws(ProtocolError) -> JSONValue {
        guard let value, case .object = value else {
            throw ProtocolError(.invalidJSON, "the report must be a JSON object")
        }
        try value.refuseUnknownFields(known, in: "the report")
        return value
    }

    private static func error(_ report: JSONValue) throws(ProtocolError) -> DeliveryFailure {
        guard let error = try report.body("error", as: DeliveryFailure.self) else {
            throw ProtocolError(.invalidField, "error must be an object with a code and a text")
        }
        return error
    }

    private static func write(_ error: DeliveryFailure, _ results: [RecipientResult], to writer: inout JSONWriter) {
        writer.key("error")
        error.write(to: &writer)
        if !results.isEmpty {
            writer.key("results")
            write(results, to: &writer)
        }
    }

    private static func write(_ results: [RecipientResult], to writer: inout JSONWriter) {
        writer.beginArray()
        for result in results { result.write(to: &writer) }
        writer.endArray()
    }
}
