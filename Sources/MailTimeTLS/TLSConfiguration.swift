/// Everything one ``TLSContext`` is made from; build one per kind of endpoint and share the context.
public struct TLSConfiguration: Sendable {
    /// Which side of the handshake connections made from this configuration take.
    public enum Role: Sendable {
        case server
        case client
    }

    /// Where PEM text comes from.
    public enum Source: Hashable, Sendable {
        /// A file on disk, read when the context is made.
        case file(String)
        /// The PEM text itself.
        case pem(String)
    }

    /// The certificates trusted to issue the peer's certificate.
    public enum TrustRoots: Hashable, Sendable {
        /// The operating system's store (`SSL_CTX_set_default_verify_paths`).
        case system
        /// A CA bundle: a PEM file or PEM text holding one or more certificates.
        case bundle(Source)
    }

    /// How the peer's certificate is checked.
    public enum CertificateVerification: Hashable, Sendable {
        /// The peer's certificate is neither asked for (server) nor checked (client).
        case none
        /// The chain must lead to a trusted root; a client also checks the server's host name,
        /// and a server requires a client certificate.
        case fullVerification
        /// The peer's leaf certificate must have one of these SHA-256 fingerprints; no CA is consulted.
        case pinned(Set<TLSFingerprint>)
    }

    /// TLS 1.2 ciphers allowed by default: forward-secret ECDHE with AEAD ciphers only, strongest first.
    public static let defaultCipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// TLS 1.3 cipher suites allowed by default: all three AEAD suites of RFC 8446.
    public static let defaultCipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// Server or client.
    public var role: Role
    /// The certificate chain to present: leaf first, then intermediates. Required on a server.
    public var certificateChain: Source?
    /// The private key of the chain's leaf certificate.
    public var privateKey: Source?
    /// The roots that issue peer certificates, for ``CertificateVerification/fullVerification``.
    public var trustRoots: TrustRoots
    /// How the peer's certificate is checked.
    public var certificateVerification: CertificateVerification
    /// The lowest protocol version accepted; TLS 1.3 is always preferred when both sides have it.
    public var minimumVersion: TLSVersion
    /// The highest protocol version offered or accepted; `nil` for the newest OpenSSL has.
    public var maximumVersion: TLSVersion?
    /// TLS 1.2 ciphers in OpenSSL's cipher-list syntax.
    public var cipherList: String
    /// TLS 1.3 cipher suites in OpenSSL's cipher-suite syntax.
    public var cipherSuites: String

    public init(
        role: Role,
        certificateChain: Source? = nil,
        privateKey: Source? = nil,
        trustRoots: TrustRoots = .system,
        certificateVerification: CertificateVerification,
        minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion? = nil,
        cipherList: String = TLSConfiguration.defaultCipherList,
        cipherSuites: String = TLSConfiguration.defaultCipherSuites
    ) {
        self.role = role
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
        self.certificateVerification = certificateVerification
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
    }

    /// A server presenting `certificateChain`; set ``certificateVerification`` to require client certificates.
    public static func server(certificateChain: Source, privateKey: Source) -> TLSConfiguration {
        TLSConfiguration(
            role: .server,
            certificateChain: certificateChain,
            privateKey: privateKey,
            certificateVerification: .none
        )
    }

    /// A client verifying servers against `trustRoots` and their host names.
    public static func client(trustRoots: TrustRoots = .system) -> TLSConfiguration {
        TLSConfiguration(role: .client, trustRoots: trustRoots, certificateVerification: .fullVerification)
    }
}
