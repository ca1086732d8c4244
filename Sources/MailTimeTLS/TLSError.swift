import COpenSSL

/// A TLS failure: a stable ``Code`` to branch on, a human-readable reason, and the OpenSSL error queue
/// at the moment of the failure.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable identifier for the kind of failure; its `rawValue` never changes between releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        private init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { self.rawValue }

        /// The configuration could not be turned into an OpenSSL context.
        public static let invalidConfiguration = Code("tls.invalid-configuration")
        /// A certificate could not be read, parsed or made.
        public static let invalidCertificate = Code("tls.invalid-certificate")
        /// A private key could not be read or parsed, or does not match the certificate.
        public static let invalidPrivateKey = Code("tls.invalid-private-key")
        /// The handshake failed: protocol error, no shared cipher, an alert from the peer, or bytes that are not TLS.
        public static let handshakeFailed = Code("tls.handshake-failed")
        /// The peer's certificate did not verify: untrusted, expired, or issued for another name.
        public static let certificateVerificationFailed = Code("tls.certificate-verification-failed")
        /// The peer's certificate does not have the pinned SHA-256 fingerprint.
        public static let pinnedFingerprintMismatch = Code("tls.pinned-fingerprint-mismatch")
        /// The handshake did not complete within the handshake timeout.
        public static let handshakeTimeout = Code("tls.handshake-timeout")
        /// The TCP connection closed during the handshake.
        public static let eofDuringHandshake = Code("tls.eof-during-handshake")
        /// The TCP connection closed without the peer's `close_notify`: the data may have been truncated.
        public static let uncleanShutdown = Code("tls.unclean-shutdown")
        /// Reading or writing application data failed after the handshake.
        public static let connectionFailed = Code("tls.connection-failed")
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, in words.
    public let reason: String
    /// The OpenSSL error queue, oldest first, as `ERR_error_string_n` renders it.
    public let openSSLErrors: [String]

    public init(_ code: Code, _ reason: String, openSSLErrors: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        var text = "\(self.code): \(self.reason)"
        if !self.openSSLErrors.isEmpty {
            text += " [\(self.openSSLErrors.joined(separator: "; "))]"
        }
        return text
    }

    /// An error with the current thread's OpenSSL error queue, which this empties.
    static func fromQueue(_ code: Code, _ reason: String) -> TLSError {
        TLSError(code, reason, openSSLErrors: Self.drainErrorQueue())
    }

    /// Empties the calling thread's OpenSSL error queue and returns its entries, oldest first.
    static func drainErrorQueue() -> [String] {
        var errors: [String] = []
        while true {
            let error = ERR_get_error()
            if error == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &buffer, buffer.count)
            errors.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return errors
    }
}
