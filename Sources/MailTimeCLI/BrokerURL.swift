/// Where the broker is, as `MAILTIME_URL` gives it: `mailtime://HOST:PORT` or `mailtimes://HOST:PORT`
/// (the same: the broker speaks TLS only). The port may be left out; an IPv6 address goes in brackets.
struct BrokerURL: Hashable {
    /// The environment variable that holds the URL.
    static let environmentVariable = "MAILTIME_URL"

    /// The host name or address, without brackets.
    var host: String
    /// The port, when the URL gives one.
    var port: Int?

    /// Parses `text`; the error sentence says what a broker URL looks like.
    init(parsing text: String) throws(URLError) {
        let schemes = ["mailtime://", "mailtimes://"]
        guard let scheme = schemes.first(where: { text.lowercased().hasPrefix($0) }) else {
            throw URLError(text, "it does not start with mailtime:// or mailtimes://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if let extra = rest.first(where: { "/?#@".contains($0) }) {
            throw URLError(text, "it holds \"\(extra)\": give the host and port only (the token goes in MAILTIME_TOKEN)")
        }
        let portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw URLError(text, "the IPv6 address has no closing bracket") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw URLError(text, "only :PORT may follow the address") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw URLError(text, "an IPv6 address goes in brackets, as [::1]") }
            host = String(parts[0])
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw URLError(text, "it names no host") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw URLError(text, "the port is not a number from 1 to 65535")
            }
            self.port = port
        } else {
            port = nil
        }
    }

    /// Why a broker URL is unusable.
    struct URLError: Error, CustomStringConvertible {
        let description: String

        init(_ text: String, _ reason: String) {
            description = "\(BrokerURL.environmentVariable)=\(text) is not mailtime://HOST:PORT: \(reason)"
        }
    }
}
