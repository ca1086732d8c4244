import Foundation
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
        guard let object = try Self.parse(text) as? [String: Any] else {
            throw ProtocolError(.invalidJSON, "the report must be a JSON object")
        }
        let known: Set<String> = allowsScheduling ? ["error", "results", "delay_ms", "provider"] : ["error", "results"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ProtocolError(.invalidField, "the report has no field \(unknown)")
        }
        guard let error = object["error"] as? [String: Any],
              let code = error["code"] as? String, !code.isEmpty,
              let text = error["text"] as? String
        else {
            throw ProtocolError(.invalidField, "error must be an object with a code and a text")
        }
        self.error = DeliveryFailure(code: code, text: text, provider: error["provider"] as? String)
        if let results = object["results"] { self.results = try Self.results(results, field: "results") }
        if let delay = object["delay_ms"] {
            guard let milliseconds = (delay as? NSNumber)?.int64Value, milliseconds >= 0 else {
                throw ProtocolError(.invalidField, "delay_ms must be a whole number of milliseconds, 0 or more")
            }
            self.delay = .milliseconds(milliseconds)
        }
        if let provider = object["provider"] {
            guard let index = (provider as? NSNumber)?.intValue, index >= 0 else {
                throw ProtocolError(.invalidField, "provider must be a provider index, 0 or more")
            }
            self.providerIndex = index
        }
    }

    private static func parse(_ text: String) throws(ProtocolError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw ProtocolError(.invalidJSON, "the argument is not valid JSON")
        }
    }

    private static func results(_ value: Any, field: String) throws(ProtocolError) -> [RecipientResult] {
        guard let array = value as? [[String: Any]] else {
            throw ProtocolError(.invalidField, "\(field) must be an array of objects")
        }
        var results: [RecipientResult] = []
        for (index, item) in array.enumerated() {
            guard let address = item["address"] as? String, let accepted = item["accepted"] as? Bool else {
                throw ProtocolError(.invalidField, "\(field)[\(index)] needs an address and accepted")
            }
            results.append(
                RecipientResult(
                    address: address,
                    accepted: accepted,
                    replyCode: (item["code"] as? NSNumber)?.intValue ?? 0,
                    reply: item["reply"] as? String ?? ""
                )
            )
        }
        return results
    }
}
