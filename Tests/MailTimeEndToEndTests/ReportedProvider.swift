import MailTimeJSON
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport

/// One provider as `STATS` reports it, from the reply's `providers` array.
struct ReportedProvider: Equatable {
    var name: String
    var isUp: Bool
    var sent: Int
    var failures: Int
    var consecutiveFailures: Int
    var lastError: String?

    /// Every provider in a `STATS` reply, in configuration order.
    static func all(in stats: BrokerStats) throws -> [ReportedProvider] {
        let value = try JSONParser.parse(Array(stats.json.utf8))
        guard let providers = value["providers"]?.arrayValue else {
            throw ChildProcess.Failure("STATS has no providers array: \(stats.json)")
        }
        return try providers.map { provider in
            guard let name = provider["name"]?.stringValue, let isUp = provider["up"]?.boolValue,
                let sent = provider["sent"]?.integerValue, let failures = provider["failures"]?.integerValue,
                let consecutiveFailures = provider["consecutive_failures"]?.integerValue
            else {
                throw ChildProcess.Failure("a STATS provider lacks a field: \(stats.json)")
            }
            return ReportedProvider(
                name: name, isUp: isUp, sent: Int(sent), failures: Int(failures),
                consecutiveFailures: Int(consecutiveFailures), lastError: provider["last_error"]?.stringValue
            )
        }
    }
}
