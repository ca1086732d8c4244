import MailTimeProtocol
import MailTimeTLS

/// Checks `AUTH` tokens. Tokens are kept only as SHA-256 digests and compared in constant time,
/// every configured token each time, so the time taken says nothing about which one came close.
public struct TokenAuthenticator: Sendable {
    private let entries: [(digest: [UInt8], role: BrokerRole)]

    /// `tokens` maps each role to its tokens, each either the token itself or `sha256:<hex digest>`.
    public init(tokens: [BrokerRole: [String]]) throws(BrokerConfigurationError) {
        var entries: [(digest: [UInt8], role: BrokerRole)] = []
        for (role, values) in tokens {
            for value in values {
                if value.hasPrefix("sha256:") {
                    guard let digest = Self.bytes(hex: value.dropFirst(7)), digest.count == SHA256.byteCount else {
                        throw BrokerConfigurationError("a \(role.rawValue) token's sha256: digest must be 64 hex digits")
                    }
                    entries.append((digest, role))
                } else {
                    guard value.utf8.count >= 16 else {
                        throw BrokerConfigurationError("a \(role.rawValue) token must have at least 16 characters")
                    }
                    entries.append((Self.digest(value), role))
                }
            }
        }
        self.entries = entries
    }

    /// Whether any token is configured.
    public var isEmpty: Bool { entries.isEmpty }

    /// The role of `token`, or `nil` when it matches none.
    public func role(of token: String) -> BrokerRole? {
        let presented = Self.digest(token)
        var match: BrokerRole?
        for entry in entries {
            var difference: UInt8 = 0
            for index in 0..<SHA256.byteCount { difference |= entry.digest[index] ^ presented[index] }
            if difference == 0, match == nil { match = entry.role }
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
