/// What is known about one SMTP session when a transaction or a login is handed to the delegate.
public struct SMTPServerSession: Hashable, Sendable {
    /// The client's IP address as text (`127.0.0.1`, `::1`), or `"unknown"`.
    public var remoteAddress: String
    /// The name the client gave in EHLO or HELO, if it has.
    public var heloName: String?
    /// Whether the client greeted with EHLO (ESMTP) rather than HELO.
    public var isExtended: Bool
    /// Whether the session runs over TLS (implicit TLS, or after STARTTLS).
    public var isTLS: Bool
    /// The TLS protocol version (`TLSv1.3`), once the handshake has completed.
    public var tlsProtocol: String?
    /// The TLS cipher suite, once the handshake has completed.
    public var tlsCipher: String?
    /// Who the client authenticated as; `nil` before a successful AUTH.
    public var identity: SMTPServerIdentity?
    /// Whether the client's address is in a trusted network, so that it may send without AUTH.
    public var isTrusted: Bool

    public init(
        remoteAddress: String,
        heloName: String? = nil,
        isExtended: Bool = true,
        isTLS: Bool = false,
        tlsProtocol: String? = nil,
        tlsCipher: String? = nil,
        identity: SMTPServerIdentity? = nil,
        isTrusted: Bool = false
    ) {
        self.remoteAddress = remoteAddress
        self.heloName = heloName
        self.isExtended = isExtended
        self.isTLS = isTLS
        self.tlsProtocol = tlsProtocol
        self.tlsCipher = tlsCipher
        self.identity = identity
        self.isTrusted = isTrusted
    }
}
