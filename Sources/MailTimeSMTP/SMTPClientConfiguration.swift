import MailTimeTLS

/// Where an SMTP server is and how to talk to it.
public struct SMTPClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// When to use TLS; certificates and host names are verified unless ``tls`` says otherwise.
    public var tlsPolicy: SMTPTLSPolicy
    /// The TLS client settings: the system's trust store and full verification by default; use
    /// `.client(trustRoots: .bundle(.file(path)))` for a CA file.
    public var tls: TLSConfiguration
    /// The name the server's certificate must carry, and the SNI; the host by default.
    public var tlsServerName: String?
    public var credentials: SMTPCredentials?
    /// Whether credentials may be sent without TLS. Off by default: AUTH over plaintext fails instead.
    public var allowsPlaintextAuthentication: Bool
    /// The name the client gives in EHLO and HELO.
    public var localName: String
    public var timeouts: SMTPTimeouts
    /// Whether to pipeline MAIL, RCPT and DATA when the server offers PIPELINING.
    public var usesPipelining: Bool
    /// The most recipients in one transaction; more go in further transactions on the same connection.
    public var maximumRecipientsPerTransaction: Int

    public init(
        host: String,
        port: Int,
        tlsPolicy: SMTPTLSPolicy = .startTLSIfOffered,
        tls: TLSConfiguration = .client(),
        tlsServerName: String? = nil,
        credentials: SMTPCredentials? = nil,
        allowsPlaintextAuthentication: Bool = false,
        localName: String = "localhost",
        timeouts: SMTPTimeouts = SMTPTimeouts(),
        usesPipelining: Bool = true,
        maximumRecipientsPerTransaction: Int = 100
    ) {
        self.host = host
        self.port = port
        self.tlsPolicy = tlsPolicy
        self.tls = tls
        self.tlsServerName = tlsServerName
        self.credentials = credentials
        self.allowsPlaintextAuthentication = allowsPlaintextAuthentication
        self.localName = localName
        self.timeouts = timeouts
        self.usesPipelining = usesPipelining
        self.maximumRecipientsPerTransaction = maximumRecipientsPerTransaction
    }
}
