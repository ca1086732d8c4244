import MailTimeJSON
import MailTimeModel

extension WorkerReport {
    /// Reads `COMPLETE`'s optional argument (`nil` when the line has none): the results array, or
    /// `{"results","provider","duration_ms"}`; refuses other fields.
    public init(completeJSON text: String?) throws(ProtocolError) {
        guard let value = try Self.parse(text) else {
            self = .complete(results: [])
            return
        }
        guard case .object = value else {
            self = .complete(results: try value.elements(named: "results", RecipientResult.init(json:)))
            return
        }
        let report = try Self.object(value, known: ["results", "provider", "duration_ms"])
        self = .complete(
            results: try report.array("results", RecipientResult.init(json:)) ?? [],
            provider: try report.optional("provider", "a provider name", \.stringValue),
            durationMilliseconds: try Self.duration(report)
        )
    }

    /// Reads `RETRY`'s report, `{"error","results","delay_ms","provider","duration_ms"}`; refuses other fields.
    public init(retryJSON text: String) throws(ProtocolError) {
        let report = try Self.object(try Self.parse(text), known: ["error", "results", "delay_ms", "provider", "duration_ms"])
        let delay = try report.optional("delay_ms", "a whole number of milliseconds, 0 or more") { $0.integerValue.flatMap { $0 >= 0 ? $0 : nil } }
        let provider = try report.optional("provider", "a provider index, 0 or more") { field in
            field.integerValue.flatMap { (0...Int64(Int32.max)).contains($0) ? Int($0) : nil }
        }
        self = .retry(
            try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [], delayMilliseconds: delay,
            provider: provider, durationMilliseconds: try Self.duration(report))
    }

    /// Reads `FAIL`'s report, `{"error","results","duration_ms"}`; refuses other fields.
    public init(failJSON text: String) throws(ProtocolError) {
        let report = try Self.object(try Self.parse(text), known: ["error", "results", "duration_ms"])
        self = .fail(
            try Self.error(report), results: try report.array("results", RecipientResult.init(json:)) ?? [],
            durationMilliseconds: try Self.duration(report))
    }

    /// The command word and its JSON argument (`nil` for `COMPLETE` with no results).
    public var wire: (command: String, json: String?) {
        var writer = JSONWriter()
        switch self {
        case .complete(let results, nil, nil):
            guard !results.isEmpty else { return ("COMPLETE", nil) }
            Self.write(results, to: &writer)
            return ("COMPLETE", String(decoding: writer.bytes, as: UTF8.self))
        case .complete(let results, let provider, let duration):
            writer.beginObject()
            if !results.isEmpty {
                writer.key("results")
                Self.write(results, to: &writer)
            }
            if let provider {
                writer.key("provider")
                writer.string(provider)
            }
            Self.write(duration: duration, to: &writer)
            writer.endObject()
            return ("COMPLETE", String(decoding: writer.bytes, as: UTF8.self))
        case .retry(let error, let results, let delay, let provider, let duration):
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
            Self.write(duration: duration, to: &writer)
            writer.endObject()
            return ("RETRY", String(decoding: writer.bytes, as: UTF8.self))
        case .fail(let error, let results, let duration):
            writer.beginObject()
            Self.write(error, results, to: &writer)
            Self.write(duration: duration, to: &writer)
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

    /// `duration_ms`: a whole number of milliseconds, 0 or more, when present.
    private static func duration(_ report: JSONValue) throws(ProtocolError) -> Int64? {
        try report.optional("duration_ms", "a whole number of milliseconds, 0 or more") { $0.integerValue.flatMap { $0 >= 0 ? $0 : nil } }
    }

    private static func write(duration: Int64?, to writer: inout JSONWriter) {
        guard let duration else { return }
        writer.key("duration_ms")
        writer.integer(duration)
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
