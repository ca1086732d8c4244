import MailTimeSMTP

/// One SMTP relay emails can go through.
public struct ProviderConfiguration: Sendable {
    /// A short name for logs, errors and `STATS`.
    public var name: String
    /// Where the relay is, its TLS policy and credentials.
    public var smtp: SMTPClientConfiguration
    /// The most connections open to it at once.
    public var maximumConnections: Int
    /// The most messages per second sent to it; `nil` for no limit.
    public var messagesPerSecond: Double?
    /// Its share of the traffic under the `balance` strategy.
    public var weight: Int
    /// The From address for emails that give none.
    public var defaultFrom: String?

    public init(
        name: String,
        smtp: SMTPClientConfiguration,
        maximumConnections: Int = 10,
        messagesPerSecond: Double? = nil,
        weight: Int = 1,
        defaultFrom: String? = nil
    ) {
        self.name = name
        self.smtp = smtp
        self.maximumConnections = maximumConnections
        self.messagesPerSecond = messagesPerSecond
        self.weight = weight
        self.defaultFrom = defaultFrom
    }
}
