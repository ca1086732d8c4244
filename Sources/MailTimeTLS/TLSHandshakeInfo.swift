/// What a completed handshake settled, fired as a user inbound event by ``TLSHandler`` just before
/// NIO's `TLSUserEvent.handshakeCompleted`.
public struct TLSHandshakeInfo: Hashable, Sendable {
    /// The protocol version in use.
    public let version: TLSVersion
    /// The cipher suite in use, in OpenSSL's naming, e.g. `TLS_AES_128_GCM_SHA256`.
    public let cipher: String
    /// The peer's certificate, if it presented one.
    public let peerCertificate: TLSPeerCertificate?

    public init(version: TLSVersion, cipher: String, peerCertificate: TLSPeerCertificate?) {
        self.version = version
        self.cipher = cipher
        self.peerCertificate = peerCertificate
    }
}
