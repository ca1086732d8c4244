/// What the SMTP session knows about a submission besides the message: who sent it, how, and what
/// the client may send. The Received field it gets is made from this.
public struct SubmissionContext: Sendable, Hashable {
    /// The name the client gave in EHLO or HELO.
    public var clientName: String
    /// The client's IP address as text: `192.0.2.1`, `2001:db8::1`.
    public var clientAddress: String
    /// Whether the client greeted with EHLO (ESMTP) rather than HELO.
    public var isExtended: Bool
    /// Whether the session is in TLS (after STARTTLS, or implicit TLS).
    public var isTLS: Bool
    /// The TLS protocol version when known, `TLSv1.3`.
    public var tlsProtocol: String?
    /// The user name the client authenticated with (free text), `nil` without AUTH. It is never written
    /// into the message: the Received field only says that the client authenticated.
    public var authenticatedUser: String?
    /// The broker's host name, written in the Received field.
    public var hostname: String
    /// The domains MAIL FROM and every From address must be in (lower case, A-labels, as
    /// ``TokenAuthenticator/Grant/allowedSenderDomains`` has them), or `nil` for any domain.
    public var allowedSenderDomains: [String]?

    public init(
        clientName: String,
        clientAddress: String,
        isExtended: Bool = true,
        isTLS: Bool,
        tlsProtocol: String? = nil,
        authenticatedUser: String?,
        hostname: String,
        allowedSenderDomains: [String]?
    ) {
        self.clientName = clientName
        self.clientAddress = clientAddress
        self.isExtended = isExtended
        self.isTLS = isTLS
        self.tlsProtocol = tlsProtocol
        self.authenticatedUser = authenticatedUser
        self.hostname = hostname
        self.allowedSenderDomains = allowedSenderDomains
    }
}
