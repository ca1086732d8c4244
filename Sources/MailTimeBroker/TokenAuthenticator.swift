import MailTimeMessage
import MailTimeProtocol
import MailTimeTLS

/// Checks `AUTH` tokens. Tokens are kept only as SHA-256 digests and compared in constant time,
/// every configured token each time, so the time taken says nothing about which one came close.
public struct TokenAuthenticator: Sendable {
    /// What a valid token grants.
    public struct Grant: Hashable, Sendable {
        /// The token's role.
        public var role: BrokerRole
        /// The domains the token may send from (lower case, A-labels), or `nil` for any domain.
        public var allowedSenderDomains: [String]?

        public init(role: BrokerRole, allowedSenderDomains: [String]? = nil) {
            self.role = role
            self.allowedSenderDomains = allowedSenderDomains
        }
    }

    private let entries: [(digest: [UInt8], grant: Grant)]

    /// `tokens` maps each role to its tokens, each either the token itself or `sha256:<hex digest>`,
    /// optionally followed by the domains it may send from: `<token>;<domain>[;<domain>…]`.
    public init(tokens: [BrokerRole: [String]]) throws(BrokerConfigurationError) {
        var entries: [(digest: [UInt8], grant: Grant)] = []
        for (role, values) in tokens {
            for value in values {
                let parts = value.split(separator: ";", omittingEmptySubsequences: false)
                let token = parts[0]
                let domains = try parts.count > 1 ? Self.domains(parts.dropFirst(), role: role) : nil
                let grant = Grant(role: role, allowedSenderDomains: domains)
                if token.hasPrefix("sha256:") {
                    guard let digest = Self.bytes(hex: token.dropFirst(7)), digest.count == SHA256.byteCount else {
                        throw BrokerConfigurationError("a \(role.rawValue) token's sha256: digest must be 64 hex digits")
                    }
                    entries.append((digest, grant))
                } else {
                    guard token.utf8.count >= 16 else {
                        throw BrokerConfigurationError("a \(role.rawValue) token must have at least 16 characters")
                    }
                    entries.append((Self.digest(String(token)), grant))
                }
            }
        }
        self.entries = entries
    }

    /// The sender domains after a token: each a host name (or an internationalised one, kept as A-labels),
    /// lower-cased, spaces around it ignored.
    private static func domains(_ parts: ArraySlice<Substring>, role: BrokerRole) throws(BrokerConfigurationError) -> [String] {
        var domains: [String] = []
        for part in parts {
            let isSpace = { (character: Character) in character == " " || character == "\t" }
            let domain = String(part.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
            guard !domain.isEmpty, !domain.contains("@"), let address = try? EmailAddress(address: "postmaster@" + domain),
                !address.domain.hasPrefix("[")
            else {
                throw BrokerConfigurationError(
                    "a \(role.rawValue) token's sender domain \"\(domain.prefix(80))\" is not a domain name; write <token>;<domain>[;<domain>...]"
                )
            }
            domains.append(address.domain.lowercased())
        }
        return domains
    }

    /// Whether any token is configured.
    public var isEmpty: Bool { entries.isEmpty }

    /// The role of `token`, or `nil` when it matches none.
    public func role(of token: String) -> BrokerRole? {
        grant(for: token)?.role
    }

    /// What `token` grants (its role and the domains it may send from), or `nil` when it matches none.
    public func grant(for token: String) -> Grant? {
        let presented = Self.digest(token)
        var match: Grant?
        for entry in entries {
            var difference: UInt8 = 0
            for index in 0..<SHA256.byteCount { difference |= entry.digest[index] ^ presented[index] }
            if difference == 0, match == nil { match = entry.grant }
        }
        return match
    }

    /// The SHA-256 digest of `token`.
    public static func digest(_ token: String) -> [UInt8] {
        SHA256.digest(token.utf8)
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
