import COpenSSL

/// Facts about the certificate the peer presented.
public struct TLSPeerCertificate: Hashable, Sendable {
    /// The subject's distinguished name in RFC 2253 form, e.g. `CN=mail.example.com`.
    public let subject: String
    /// The issuer's distinguished name in RFC 2253 form.
    public let issuer: String
    /// The SHA-256 fingerprint of the certificate.
    public let fingerprint: TLSFingerprint

    public init(subject: String, issuer: String, fingerprint: TLSFingerprint) {
        self.subject = subject
        self.issuer = issuer
        self.fingerprint = fingerprint
    }

    init(certificate: OpaquePointer) throws {
        self.subject = try Self.name(X509_get_subject_name(certificate))
        self.issuer = try Self.name(X509_get_issuer_name(certificate))
        self.fingerprint = try TLSFingerprint(certificate: certificate)
    }

    private static func name(_ name: OpaquePointer?) throws -> String {
        try OpenSSLPEM.write { bio in
            // An empty name prints nothing, which is not a failure.
            X509_NAME_print_ex(bio, name, 0, mailtime_XN_FLAG_RFC2253) >= 0 ? 1 : 0
        }
    }
}
