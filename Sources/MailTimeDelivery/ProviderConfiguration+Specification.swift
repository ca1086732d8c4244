import MailTimeSMTP
import MailTimeTLS

extension ProviderConfiguration {
    /// A provider from one line of text, `key=value` pairs separated by `;`:
    ///
    /// `name=main;host=smtp.example.com;port=587;tls=starttls-required;user=app;password-env=SMTP_PASSWORD`
    ///
    /// Keys: `name`, `host` (required), `port` (587), `tls` (`none`, `starttls-if-offered`,
    /// `starttls-required` (default), `implicit`), `ca-file`, `server-name`, `user`, `password-env`
    /// (the variable holding the password or token), `auth` (`plain`, `login`, `xoauth2`),
    /// `allow-plaintext-auth` (`true`/`false`), `max-connections` (10), `rate` (messages per second),
    /// `weight` (1), `default-from`, `helo`. Secrets never appear in the text itself.
    public init(specification: String, environment: [String: String]) throws(ProviderSpecificationError) {
        var values: [String: String] = [:]
        for pair in specification.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ProviderSpecificationError("`\(pair)` is not key=value in provider `\(specification)`")
            }
            values[parts[0].lowercased()] = parts[1]
        }
        let known: Set = [
            "name", "host", "port", "tls", "ca-file", "server-name", "user", "password-env", "auth",
            "allow-plaintext-auth", "max-connections", "rate", "weight", "default-from", "helo",
        ]
        if let unknown = values.keys.first(where: { !known.contains($0) }) {
            throw ProviderSpecificationError("unknown provider key `\(unknown)` (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let host = values["host"], !host.isEmpty else {
            throw ProviderSpecificationError("a provider needs a host: `\(specification)`")
        }
        let name = values["name"] ?? host
        func integer(_ key: String, _ fallback: Int, range: ClosedRange<Int>) throws(ProviderSpecificationError) -> Int {
            guard let text = values[key] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw ProviderSpecificationError(
                    "provider \(name): \(key) must be a whole number in \(range.lowerBound)…\(range.upperBound), not `\(text)`")
            }
            return value
        }
        let port = try integer("port", 587, range: 1...65535)
        let policyText = values["tls"] ?? SMTPTLSPolicy.startTLSRequired.rawValue
        guard let policy = SMTPTLSPolicy(rawValue: policyText) else {
            throw ProviderSpecificationError(
                "provider \(name): tls must be one of \(SMTPTLSPolicy.allCases.map(\.rawValue).joined(separator: ", ")), not `\(policyText)`"
            )
        }
        var smtp = SMTPClientConfiguration(host: host, port: port, tlsPolicy: policy)
        if let caFile = values["ca-file"] {
            smtp.tls = .client(trustRoots: .bundle(.file(caFile)))
        }
        smtp.tlsServerName = values["server-name"]
        if let helo = values["helo"] { smtp.localName = helo }
        smtp.allowsPlaintextAuthentication = values["allow-plaintext-auth"] == "true"
        if let user = values["user"] {
            guard let variable = values["password-env"] else {
                throw ProviderSpecificationError("provider \(name): `user` needs `password-env`, the variable that holds the password")
            }
            guard let secret = environment[variable], !secret.isEmpty else {
                throw ProviderSpecificationError("provider \(name): the environment variable \(variable) is not set")
            }
            var mechanism: SMTPCredentials.Mechanism?
            if let auth = values["auth"] {
                guard let chosen = SMTPCredentials.Mechanism(rawValue: auth.uppercased()) else {
                    throw ProviderSpecificationError("provider \(name): auth must be plain, login or xoauth2, not `\(auth)`")
                }
                mechanism = chosen
            }
            smtp.credentials = SMTPCredentials(username: user, secret: secret, mechanism: mechanism)
        }
        var rate: Double?
        if let text = values["rate"] {
            guard let value = Double(text), value > 0 else {
                throw ProviderSpecificationError("provider \(name): rate must be a positive number of messages per second, not `\(text)`")
            }
            rate = value
        }
        self.init(
            name: name,
            smtp: smtp,
            maximumConnections: try integer("max-connections", 10, range: 1...1000),
            messagesPerSecond: rate,
            weight: try integer("weight", 1, range: 1...1000),
            defaultFrom: values["default-from"]
        )
    }
}
