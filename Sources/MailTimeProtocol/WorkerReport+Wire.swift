import MailTimeJSON
import MailTimeModel

extension WorkerReport {
    /// Reads the report of the worker command `command` (`COMPLETE`, `RETRY` or `FAIL`) from its
    /// JSON argument (`nil` when the line has none). Refuses fields the command does not define.
    public init(command: String, json text: String?) throws(ProtocolError) {
        let value: JSONValue?
        do {
            value = try text.map { text throws(JSONParser.SyntaxError) in try JSONParser.parse(Array(text.utf8)) }
        } catch {
            throw ProtocolError(.invalidJSON, "the argument is not valid JSON: \(error)")
        }
        switch command {
        case "COMPLETE":
            guard let value else {
                self = .complete(results: [])
                return
            }
            self = .complete(results: try value.elements(named: "results", RecipientResult.init(json:)))
        case "RETRY":
            let report = try Self.object(value, known: ["error", "results", "delay_ms", "provider"])
            let delay = try report.optional("delay_ms", "a whole number of milliseconds, 0 or more") { $0.integerValue.flatMap { $0 >= 0 ? $0 : nil } }
            let provider = try report.optional("provider", "a provider index, 0 or more") { field in
                field.integerValue.flatMap { (0...Int64(Int32.max)).contains($0) ? Int($0) : nil }
            }
            self = .retry(try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [], delayMilliseconds: delay, provider: provider)
        case "FAIL":
            let report = try Self.object(value, known: ["error", "results"])
            self = .fail(try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [])
        default:
            throw ProtocolError(.unknownCommand, "\(command) does not report a delivery")
        }
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
