import Foundation
import NIOCore

/// Why the SMTP server could not start or a setting is unusable: a stable ``Code`` and a sentence
/// naming the problem.
public struct SMTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        private init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The listening address cannot be bound: the port is in use, the address is not on this
        /// machine, or the port is privileged.
        public static let addressUnavailable = Code("address-unavailable")
        /// Implicit TLS was asked for without a TLS context.
        public static let tlsContextMissing = Code("tls-context-missing")
        /// A trusted network is not an IPv4 or IPv6 address with an optional prefix length.
        public static let invalidNetwork = Code("invalid-network")
    }

    /// What kind of problem this is.
    public var code: Code
    /// What went wrong, in words.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension SMTPServerError {
    /// The error for a listening socket that cannot be bound to `host` and `port`.
    static func cannotListen(on host: String, port: Int, _ error: any Error) -> SMTPServerError {
        let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
        return SMTPServerError(.addressUnavailable, "cannot listen for SMTP on \(host) port \(port): \(reason)")
    }
}
