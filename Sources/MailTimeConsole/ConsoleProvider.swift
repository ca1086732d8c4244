import MailTimeModel

/// One SMTP provider of the embedded senders: its configuration, with secrets redacted, and its health.
public struct ConsoleProvider: Hashable, Sendable {
    /// One configuration value, as a name and its text.
    public struct Setting: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The configuration, in a fixed order; passwords and tokens are never included.
    public var settings: [Setting]
    /// The provider's health (its name included).
    public var health: ProviderHealth

    public init(settings: [Setting], health: ProviderHealth) {
        self.settings = settings
        self.health = health
    }
}
