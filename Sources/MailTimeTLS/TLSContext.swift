import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One OpenSSL `SSL_CTX` made from a ``TLSConfiguration``, shared by every connection that uses it.
///
/// Make one per configuration at start-up and hand it to each ``TLSHandler``; the context is
/// immutable once made, which makes it safe to share between event loops.
public final class TLSContext: @unchecked Sendable {
    /// What the context was made from.
    public let configuration: TLSConfiguration
    let sslContext: OpaquePointer
    /// The fingerprints a pinned context accepts; the verification callback reads them through a raw pointer.
    private let pins: PinnedFingerprints?

    /// Makes the `SSL_CTX`, loading certificates, key and trust roots; throws if any of them is unusable.
    public init(configuration: TLSConfiguration) throws {
        ERR_clear_error()
        let method = configuration.role == .server ? TLS_server_method() : TLS_client_method()
        guard let sslContext = SSL_CTX_new(method) else {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot allocate SSL_CTX")
        }
        self.configuration = configuration
        self.sslContext = sslContext
        if case .pinned(let fingerprints) = configuration.certificateVerification {
            self.pins = PinnedFingerprints(fingerprints)
        } else {
            self.pins = nil
        }
        try self.configure()
    }

    deinit {
        SSL_CTX_free(self.sslContext)
    }

    private func configure() throws {
        let configuration = self.configuration
        guard mailtime_SSL_CTX_set_min_proto_version(self.sslContext, configuration.minimumVersion.openSSLVersion) == 1 else {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot set the minimum protocol version")
        }
        if let maximumVersion = configuration.maximumVersion,
            mailtime_SSL_CTX_set_max_proto_version(self.sslContext, maximumVersion.openSSLVersion) != 1
        {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot set the maximum protocol version")
        }
        SSL_CTX_set_options(
            self.sslContext,
            mailtime_SSL_OP_NO_RENEGOTIATION | mailtime_SSL_OP_NO_COMPRESSION | mailtime_SSL_OP_CIPHER_SERVER_PREFERENCE
        )
        guard SSL_CTX_set_cipher_list(self.sslContext, configuration.cipherList) == 1 else {
            throw TLSError.fromQueue(.invalidConfiguration, "no usable cipher in the TLS 1.2 cipher list")
        }
        guard SSL_CTX_set_ciphersuites(self.sslContext, configuration.cipherSuites) == 1 else {
            throw TLSError.fromQueue(.invalidConfiguration, "no usable suite in the TLS 1.3 cipher suites")
        }
        if configuration.role == .server {
            // Resumption goes through stateless tickets only: no per-session memory on the server.
            mailtime_SSL_CTX_set_session_cache_mode(self.sslContext, Int(SSL_SESS_CACHE_OFF))
        }
        try self.loadCertificateChain()
        try self.configureVerification()
    }

    private func loadCertificateChain() throws {
        switch (self.configuration.certificateChain, self.configuration.privateKey) {
        case (nil, nil):
            if self.configuration.role == .server {
                throw TLSError(.invalidConfiguration, "a server needs a certificate chain and a private key")
            }
            return
        case (.some(let chain), .some(let key)):
            let certificates = try OpenSSLPEM.certificates(from: Self.text(of: chain, code: .invalidCertificate))
            defer { certificates.forEach { X509_free($0) } }
            guard SSL_CTX_use_certificate(self.sslContext, certificates[0]) == 1 else {
                throw TLSError.fromQueue(.invalidCertificate, "cannot use the certificate")
            }
            for intermediate in certificates.dropFirst() {
                guard mailtime_SSL_CTX_add1_chain_cert(self.sslContext, intermediate) == 1 else {
                    throw TLSError.fromQueue(.invalidCertificate, "cannot add an intermediate certificate")
                }
            }
            let privateKey = try OpenSSLPEM.privateKey(from: Self.text(of: key, code: .invalidPrivateKey))
            defer { EVP_PKEY_free(privateKey) }
            guard SSL_CTX_use_PrivateKey(self.sslContext, privateKey) == 1,
                SSL_CTX_check_private_key(self.sslContext) == 1
            else {
                throw TLSError.fromQueue(.invalidPrivateKey, "the private key does not match the certificate")
            }
        default:
            throw TLSError(.invalidConfiguration, "a certificate chain and its private key go together")
        }
    }

    private func configureVerification() throws {
        switch self.configuration.certificateVerification {
        case .none:
            SSL_CTX_set_verify(self.sslContext, SSL_VERIFY_NONE, nil)
        case .fullVerification:
            try self.loadTrustRoots()
            var mode = SSL_VERIFY_PEER
            if self.configuration.role == .server {
                mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            }
            SSL_CTX_set_verify(self.sslContext, mode, nil)
        case .pinned:
            SSL_CTX_set_verify(self.sslContext, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            let argument = Unmanaged.passUnretained(self.pins!).toOpaque()
            SSL_CTX_set_cert_verify_callback(
                self.sslContext,
                { storeContext, argument in
                    guard let storeContext, let argument, let leaf = X509_STORE_CTX_get0_cert(storeContext) else {
                        return 0
                    }
                    let pins = Unmanaged<PinnedFingerprints>.fromOpaque(argument).takeUnretainedValue()
                    guard let fingerprint = try? TLSFingerprint(certificate: leaf), pins.fingerprints.contains(fingerprint) else {
                        X509_STORE_CTX_set_error(storeContext, X509_V_ERR_CERT_REJECTED)
                        return 0
                    }
                    return 1
                }, argument)
        }
    }

    private func loadTrustRoots() throws {
        switch self.configuration.trustRoots {
        case .system:
            guard SSL_CTX_set_default_verify_paths(self.sslContext) == 1 else {
                throw TLSError.fromQueue(.invalidConfiguration, "cannot load the system trust store")
            }
        case .bundle(.file(let path)):
            guard SSL_CTX_load_verify_locations(self.sslContext, path, nil) == 1 else {
                throw TLSError.fromQueue(.invalidCertificate, "cannot load the CA bundle \(path)")
            }
        case .bundle(.pem(let pem)):
            let store = SSL_CTX_get_cert_store(self.sslContext)
            let certificates = try OpenSSLPEM.certificates(from: pem)
            defer { certificates.forEach { X509_free($0) } }
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate) == 1 else {
                    throw TLSError.fromQueue(.invalidCertificate, "cannot add a CA certificate")
                }
            }
        }
    }

    private static func text(of source: TLSConfiguration.Source, code: TLSError.Code) throws -> String {
        switch source {
        case .pem(let text):
            return text
        case .file(let path):
            do {
                return try TextFile.read(path)
            } catch {
                throw TLSError(code, "cannot read \(path): \(error)")
            }
        }
    }
}

/// The pin set, boxed so that a C callback can reach it.
private final class PinnedFingerprints: Sendable {
    let fingerprints: Set<TLSFingerprint>

    init(_ fingerprints: Set<TLSFingerprint>) {
        self.fingerprints = fingerprints
    }
}
