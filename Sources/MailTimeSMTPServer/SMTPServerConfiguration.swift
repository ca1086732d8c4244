/// The settings of an ``SMTPServer`` listener and of its sessions.
public struct SMTPServerConfiguration: Sendable {
    /// How TLS is used on the listener.
    public enum TLSMode: Hashable, Sendable {
        /// Plaintext first, upgraded by STARTTLS (RFC 3207), as on the submission port 587. Without a TLS
        /// context STARTTLS is not offered (and AUTH is never possible).
        case startTLS
        /// TLS from the first byte (RFC 8314), as on the submissions port 465.
        case implicitTLS
    }

    /// The address to bind.
    public var host: String
    /// The port to bind; 0 picks a free one (see ``SMTPServer``'s `onListening`).
    public var port: Int
    /// STARTTLS or implicit TLS.
    public var tlsMode: TLSMode
    /// The name the server gives in its greeting and EHLO reply.
    public var hostname: String
    /// The largest message accepted, in octets after dot-unstuffing; offered as `SIZE` (RFC 1870).
    public var maximumMessageSize: Int
    /// The most recipients in one transaction; more get `452 4.5.3`.
    public var maximumRecipients: Int
    /// How many failed commands (syntax, sequence, unknown, refused AUTH) a session may make; the one that
    /// reaches the limit gets `421 4.7.0` and the connection is closed.
    public var maximumErrors: Int
    /// How long the server waits for a command (RFC 5321 §4.5.3.2.7: at least 5 minutes).
    public var commandTimeout: Duration
    /// How long the server waits for the next part of a message after DATA's 354 or during BDAT
    /// (RFC 5321 §4.5.3.2.5: 3 minutes per data block).
    public var dataTimeout: Duration
    /// How long a TLS handshake may take.
    public var handshakeTimeout: Duration
    /// The most connections open at once; one more is answered `421 4.3.2` and closed.
    public var maximumConnections: Int
    /// Client networks allowed to send without AUTH, like Postfix's `mynetworks`.
    public var trustedNetworks: [IPNetwork]
    /// Whether a client outside the trusted networks must authenticate before MAIL (`530 5.7.0` otherwise).
    public var requiresAuthentication: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 587,
        tlsMode: TLSMode = .startTLS,
        hostname: String = "localhost",
        maximumMessageSize: Int = 25 * 1024 * 1024,
        maximumRecipients: Int = 100,
        maximumErrors: Int = 10,
        commandTimeout: Duration = .seconds(300),
        dataTimeout: Duration = .seconds(180),
        handshakeTimeout: Duration = .seconds(10),
        maximumConnections: Int = 1000,
        trustedNetworks: [IPNetwork] = [],
        requiresAuthentication: Bool = true
    ) {
        self.host = host
        self.port = port
        self.tlsMode = tlsMode
        self.hostname = hostname
        self.maximumMessageSize = maximumMessageSize
        self.maximumRecipients = maximumRecipients
        self.maximumErrors = maximumErrors
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
        self.handshakeTimeout = handshakeTimeout
        self.maximumConnections = maximumConnections
        self.trustedNetworks = trustedNetworks
        self.requiresAuthentication = requiresAuthentication
    }
}
