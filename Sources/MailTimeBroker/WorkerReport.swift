import MailTimeJSON
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue

/// The JSON arguments of the worker commands `COMPLETE`, `RETRY` and `FAIL` (protocol.md, section 5).
struct WorkerReport {
    var error: DeliveryFailure?
    var results: [RecipientResult] = []
    var delay: Duration?
    var providerIndex: Int?

    /// Parses `COMPLETE`'s optional results array.
    init(results text: String?) throws(ProtocolError) {
        guard let text else { return }
        results = try Self.results(try Self.parse(text), field: "results")
    }

    /// Parses a `RETRY` or `FAIL` report object.
    init(report text: String, allowsScheduling: Bool) throws(ProtocolError) {
        guard case .object(let members) = try Self.parse(text) else {
            throw ProtocolError(.invalidJSON, "the report must be a JSON object")
        }
        let known: Set<String> = allowsScheduling ? ["error", "results", "delay_ms", "provider"] : ["error", "results"]
        if let unknown = members.map(\.key).sorted().first(where: { !known.contains($0) }) {
            throw ProtocolError(.invalidField, "the report has no field \(unknown)")
        }
        let report = JSONValue.object(members)
        guard let error = report["error"],
              let code = error["code"]?.stringValue, !code.isEmpty,
              let text = error["text"]?.stringValue
        else {
            throw ProtocolError(.invalidField, "error must be an object with a code and a text")
        }
        self.error = DeliveryFailure(code: code, text: text, provider: error["provider"]?.stringValue)
        if let results = report["results"] { self.results = try Self.results(results, field: "results") }
        if let delay = report["delay_ms"] {
            guard let milliseconds = delay.integerValue, milliseconds >= 0 else {
                throw ProtocolError(.invalidField, "delay_ms must be a whole number of milliseconds, 0 or more")
            }
            self.delay = .milliseconds(milliseconds)
        }
        if let provider = report["provider"] {
            guard let index = provider.integerValue, index >= 0, index <= Int64(Int32.max) else {
                throw ProtocolError(.invalidField, "provider must be a provider index, 0 or more")
            }
            self.providerIndex = Int(index)
        }
    }

    private static func parse(_ text: String) throws(ProtocolError) -> JSONValue {
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            throw ProtocolError(.invalidJSON, "the argument is not valid JSON: \(error)")
        }
    }

    private static func results(_ value: JSONValue, field: String) throws(ProtocolError) -> [RecipientResult] {
        guard let array = value.arrayValue else {
            throw ProtocolError(.invalidField, "\(field) must be an array of objects")
        }
        var results: [RecipientResult] = []
        for (index, item) in array.enumerated() {
            guard let address = item["address"]?.stringValue, let accepted = item["accepted"]?.boolValue else {
                throw ProtocolError(.invalidField, "\(field)[\(index)] needs an address and accepted")
            }
            results.append(
                RecipientResult(
                    address: address,
                    accepted: accepted,
                    replyCode: item["code"]?.integerValue.map { Int($0) } ?? 0,
                    reply: item["reply"]?.stringValue ?? ""
                )
            )
        }
        return results
    }
}
