/// A certificate chain and its private key, both PEM.
public struct TLSKeyPair: Hashable, Sendable {
    /// The certificate, followed by any intermediates, as PEM.
    public var certificatePEM: String
    /// The private key, as unencrypted PKCS #8 PEM.
    public var privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// The SHA-256 fingerprint of the first certificate.
    public func fingerprint() throws -> TLSFingerprint {
        try TLSFingerprint(certificatePEM: self.certificatePEM)
    }
}
