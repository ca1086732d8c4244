import Foundation
import NIOCore

/// Why the broker could not start, other than its configuration (``BrokerConfigurationError``): a stable
/// ``Code`` for the daemon to turn into an exit status, and a sentence naming the problem.
public struct BrokerStartupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem stopped the start.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        private init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The listening address cannot be bound: the port is in use, the address is not on this
        /// machine, or the port is privileged.
        public static let addressUnavailable = Code("address-unavailable")
        /// Another broker holds the data directory.
        public static let dataDirectoryLocked = Code("data-directory-locked")
        /// The data directory or the store in it cannot be created, opened or written.
        public static let dataDirectoryUnusable = Code("data-directory-unusable")
        /// A file the configuration names (certificate, key, CA bundle) does not exist or cannot be read.
        public static let unreadableFile = Code("unreadable-file")
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

extension BrokerStartupError {
    /// The error for a listening socket that cannot be bound to `host` and `port`.
    static func cannotListen(on host: String, port: Int, _ error: any Error) -> BrokerStartupError {
        let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
        return BrokerStartupError(.addressUnavailable, "cannot listen on \(host) port \(port): \(reason)")
    }
}
