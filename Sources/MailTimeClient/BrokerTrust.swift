import MailTimeTLS

/// How the client decides that it talks to the right broker: by the certificate's pinned
/// SHA-256 fingerprint (the broker's self-signed default), or by a CA and the host name.
public struct BrokerTrust: Sendable, Hashable {
    enum Mode: Sendable, Hashable {
        case pinned(Set<TLSFingerprint>)
        case certificateAuthority(TLSConfiguration.TrustRoots)
    }

    let mode: Mode

    /// Trusts a broker whose certificate has one of these fingerprints; no CA or host name is checked.
    public static func pinned(_ fingerprints: Set<TLSFingerprint>) -> BrokerTrust {
        BrokerTrust(mode: .pinned(fingerprints))
    }

    /// Trusts a broker whose certificate has this SHA-256 fingerprint, in hexadecimal with or
    /// without colons (as `openssl x509 -noout -fingerprint -sha256` prints it).
    public static func pinned(fingerprint hex: String) throws(MailTimeClientError) -> BrokerTrust {
        guard let fingerprint = TLSFingerprint(hex: hex) else {
            throw MailTimeClientError(.invalidConfiguration, "\(hex) is not a SHA-256 fingerprint (64 hexadecimal digits)")
        }
        return .pinned([fingerprint])
    }

    /// Trusts a broker presenting the first certificate of this PEM file (the broker's own
    /// `tls/certificate.pem`, say), by its fingerprint.
    public static func pinned(certificateFile path: String) throws(MailTimeClientError) -> BrokerTrust {
        let pem: String
        do {
            pem = try TextFile.read(path)
        } catch {
            throw MailTimeClientError(.invalidConfiguration, "cannot read the certificate \(path): \(error)")
        }
        do {
            return .pinned([try TLSFingerprint(certificatePEM: pem)])
        } catch {
            throw MailTimeClientError(.invalidConfiguration, "\(path) holds no usable certificate: \(error)")
        }
    }

    /// Trusts a broker whose certificate chains to a CA in this PEM file and names the host connected to.
    public static func certificateAuthority(file path: String) -> BrokerTrust {
        BrokerTrust(mode: .certificateAuthority(.bundle(.file(path))))
    }

    /// Trusts a broker whose certificate chains to the system's trust store and names the host connected to.
    public static let systemTrustStore = BrokerTrust(mode: .certificateAuthority(.system))

    /// The TLS client configuration for this trust.
    var tlsConfiguration: TLSConfiguration {
        switch mode {
        case .pinned(let fingerprints):
            var configuration = TLSConfiguration.client()
            configuration.certificateVerification = .pinned(fingerprints)
            return configuration
        case .certificateAuthority(let roots):
            return TLSConfiguration.client(trustRoots: roots)
        }
    }
}
