/// The SMTP submission listeners (README, "SMTP submission"): where they listen and the limits of a session.
/// Both listeners are off unless given an address.
public struct SubmissionConfiguration: Sendable {
    /// An address to listen on.
    public struct Address: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// Submission with STARTTLS required before AUTH (port 587 in production).
    public var startTLS: Address?
    /// Submission with implicit TLS (port 465 in production).
    public var implicitTLS: Address?
    /// Client networks in CIDR notation (`127.0.0.0/8`, `::1/128`, or a bare address) that may submit without AUTH.
    public var trustedNetworks: [String] = []
    /// The name in the greeting, in EHLO's reply and in the `Received` field; `nil` for the machine's host name.
    public var hostname: String?
    /// RCPT TO commands accepted per message.
    public var maximumRecipients = 100
    /// Refused commands per session before the session is closed with 421.
    public var maximumErrors = 10
    /// Open connections at most on each listener.
    public var maximumConnections = 1024
    /// How long a session may wait for its next command.
    public var commandTimeout: Duration = .seconds(300)
    /// How long a session may wait for more of a message.
    public var dataTimeout: Duration = .seconds(180)

    public init() {}
}
