import COpenSSL
import NIOCore

/// One OpenSSL `SSL` object between two memory BIOs: ciphertext from the network goes in one,
/// ciphertext for the network comes out of the other. Every call clears the thread's error queue
/// first, so that one connection's errors never surface on another.
final class TLSConnection {
    enum HandshakeResult: Equatable {
        case complete
        case incomplete
        case failed(TLSError)
    }

    enum ReadResult: Equatable {
        /// Plaintext was appended to the buffer.
        case data
        /// Nothing (more) to read until more ciphertext arrives; the records read may have been
        /// handshake messages such as session tickets or a KeyUpdate.
        case wantRead
        /// The peer sent `close_notify`.
        case closeNotify
        case failed(TLSError)
    }

    enum ShutdownResult: Equatable {
        /// Our `close_notify` is written; the peer's has not arrived yet.
        case sent
        /// Both `close_notify` alerts have been exchanged.
        case complete
        case failed(TLSError)
    }

    /// The largest plaintext one TLS record carries.
    static let maximumRecordPlaintext = 16_384

    let context: TLSContext
    /// The OpenSSL connection; internal so that tests can drive KeyUpdate and inspect sessions.
    let ssl: OpaquePointer
    /// The read BIO: read-only memory over ``inbound``, or an empty memory BIO once that is consumed.
    private var networkToSSL: OpaquePointer
    private let sslToNetwork: OpaquePointer
    /// The received ciphertext the read BIO points into; holding it keeps its storage alive and unmoved.
    private var inbound: ByteBuffer?

    init(context: TLSContext, serverHostname: String?) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context.sslContext) else {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot allocate SSL")
        }
        guard let networkToSSL = BIO_new(BIO_s_mem()), let sslToNetwork = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.fromQueue(.invalidConfiguration, "cannot allocate memory BIOs")
        }
        // An empty input BIO means "wait for more" (WANT_READ), not end of file.
        mailtime_BIO_set_mem_eof_return(networkToSSL, -1)
        mailtime_BIO_set_mem_eof_return(sslToNetwork, -1)
        SSL_set_bio(ssl, networkToSSL, sslToNetwork)
        self.context = context
        self.ssl = ssl
        self.networkToSSL = networkToSSL
        self.sslToNetwork = sslToNetwork

        switch context.configuration.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverHostname {
                try self.setServerHostname(serverHostname)
            } else if context.configuration.certificateVerification == .fullVerification {
                // A chain that verifies proves nothing unless it was issued for the server we meant.
                throw TLSError(.invalidConfiguration, "a client verifying certificates needs the server's host name")
            }
        }
    }

    deinit {
        // Frees both BIOs too.
        SSL_free(self.ssl)
    }

    private func setServerHostname(_ name: String) throws {
        let isIPAddress = TLSKeyPair.isIPAddress(name)
        // Server Name Indication carries DNS names only (RFC 6066 §3).
        if !isIPAddress, mailtime_SSL_set_tlsext_host_name(self.ssl, name) != 1 {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot set the server name \(name)")
        }
        guard self.context.configuration.certificateVerification == .fullVerification else { return }
        let accepted =
            isIPAddress
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(self.ssl), name)
            : SSL_set1_host(self.ssl, name)
        guard accepted == 1 else {
            throw TLSError.fromQueue(.invalidConfiguration, "cannot verify against the host name \(name)")
        }
    }

    /// Hands ciphertext received from the network to OpenSSL, which reads it where it lies: a
    /// read-only memory BIO over the buffer saves copying every byte into a growing memory BIO.
    func receiveFromNetwork(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        var ciphertext = buffer
        let unread = self.pendingCiphertext
        if unread > 0, let inbound = self.inbound {
            // The end of the previous bytes is still unprocessed (part of a record): put it first.
            ciphertext = inbound.getSlice(at: inbound.writerIndex - unread, length: unread)!
            ciphertext.writeImmutableBuffer(buffer)
        }
        // The storage outlives the closure because `inbound` holds it until the BIO is replaced.
        let bio = ciphertext.withUnsafeReadableBytesWithStorageManagement { bytes, _ in
            BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
        }
        self.replaceReadBIO(bio, holding: ciphertext)
    }

    /// Lets go of the received ciphertext once OpenSSL has taken all of it, so that an idle
    /// connection holds no receive buffer.
    private func releaseConsumedInput() {
        guard self.inbound != nil, self.pendingCiphertext == 0 else { return }
        self.replaceReadBIO(BIO_new(BIO_s_mem()), holding: nil)
    }

    private func replaceReadBIO(_ bio: OpaquePointer?, holding ciphertext: ByteBuffer?) {
        guard let bio else {
            fatalError("cannot allocate a memory BIO")
        }
        // An empty input BIO means "wait for more" (WANT_READ), not end of file.
        mailtime_BIO_set_mem_eof_return(bio, -1)
        // Frees the previous read BIO before the bytes it pointed into are let go.
        SSL_set0_rbio(self.ssl, bio)
        self.networkToSSL = bio
        self.inbound = ciphertext
    }

    /// How many received bytes OpenSSL has not processed yet.
    var pendingCiphertext: Int {
        Int(BIO_ctrl_pending(self.networkToSSL))
    }

    /// Takes the ciphertext OpenSSL has produced for the network, if any.
    func drainToNetwork(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(self.sslToNetwork))
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(BIO_read(self.sslToNetwork, bytes.baseAddress, Int32(pending)))
        }
        return buffer
    }

    func handshake() -> HandshakeResult {
        ERR_clear_error()
        let result = SSL_do_handshake(self.ssl)
        // SSL_get_error consults the read BIO's retry flags: ask before the BIO is released.
        let error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(self.ssl, result)
        self.releaseConsumedInput()
        switch error {
        case SSL_ERROR_NONE:
            return .complete
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        default:
            return .failed(self.handshakeError())
        }
    }

    private func handshakeError() -> TLSError {
        let verifyResult = SSL_get_verify_result(self.ssl)
        guard verifyResult != X509_V_OK else {
            return TLSError.fromQueue(.handshakeFailed, "TLS handshake failed")
        }
        let reason = String(cString: X509_verify_cert_error_string(verifyResult))
        if case .pinned = self.context.configuration.certificateVerification, verifyResult == X509_V_ERR_CERT_REJECTED {
            return TLSError.fromQueue(.pinnedFingerprintMismatch, "the peer certificate does not match any pinned fingerprint")
        }
        return TLSError.fromQueue(.certificateVerificationFailed, "peer certificate rejected: \(reason)")
    }

    /// Decrypts at most one record's worth of plaintext into `buffer`.
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        ERR_clear_error()
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maximumRecordPlaintext) { bytes in
            result = SSL_read(self.ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
            return max(Int(result), 0)
        }
        if result > 0 { return .data }
        switch SSL_get_error(self.ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            self.releaseConsumedInput()
            return .wantRead
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        default:
            return .failed(TLSError.fromQueue(.connectionFailed, "cannot decrypt data from the peer"))
        }
    }

    /// Encrypts all of `buffer`, which must not be empty: OpenSSL treats a zero-length write as an error.
    func write(_ buffer: ByteBuffer) -> TLSError? {
        precondition(buffer.readableBytes > 0, "zero-length writes must not reach SSL_write")
        ERR_clear_error()
        let result = buffer.withUnsafeReadableBytes { bytes in
            SSL_write(self.ssl, bytes.baseAddress, Int32(bytes.count))
        }
        // Without SSL_MODE_ENABLE_PARTIAL_WRITE and with an unbounded memory BIO, a write is all or nothing.
        guard result == Int32(buffer.readableBytes) else {
            _ = SSL_get_error(self.ssl, result)
            return TLSError.fromQueue(.connectionFailed, "cannot encrypt data for the peer")
        }
        return nil
    }

    /// Sends `close_notify`, or completes the exchange if the peer's has arrived.
    func shutdown() -> ShutdownResult {
        ERR_clear_error()
        let result = SSL_shutdown(self.ssl)
        switch result {
        case 1:
            return .complete
        case 0:
            return .sent
        default:
            _ = SSL_get_error(self.ssl, result)
            return .failed(TLSError.fromQueue(.connectionFailed, "cannot shut TLS down"))
        }
    }

    /// The version, cipher and peer certificate of a completed handshake.
    func handshakeInfo() throws -> TLSHandshakeInfo {
        guard let version = TLSVersion(openSSLVersion: SSL_version(self.ssl)) else {
            throw TLSError(.handshakeFailed, "unexpected protocol version \(SSL_version(self.ssl))")
        }
        let cipher = SSL_get_current_cipher(self.ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
        var peerCertificate: TLSPeerCertificate?
        if let certificate = SSL_get1_peer_certificate(self.ssl) {
            defer { X509_free(certificate) }
            peerCertificate = try TLSPeerCertificate(certificate: certificate)
        }
        return TLSHandshakeInfo(version: version, cipher: cipher, peerCertificate: peerCertificate)
    }
}
