/// A configuration value the broker cannot work with; the message says which and why.
public struct BrokerConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
