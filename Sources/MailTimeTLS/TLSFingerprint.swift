import COpenSSL

/// The SHA-256 fingerprint of a DER-encoded certificate, as `openssl x509 -fingerprint -sha256` prints it.
public struct TLSFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// A fingerprint from hexadecimal text, with or without colons; `nil` unless it is 32 bytes.
    public init?(hex: String) {
        let digits = Array(hex.lowercased().filter { $0 != ":" }.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// The fingerprint of the first certificate in a PEM text.
    public init(certificatePEM: String) throws {
        let certificates = try OpenSSLPEM.certificates(from: certificatePEM)
        defer { certificates.forEach { X509_free($0) } }
        self = try TLSFingerprint(certificate: certificates[0])
    }

    init(certificate: OpaquePointer) throws {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1, length == 32 else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot digest the certificate")
        }
        self.bytes = Array(digest.prefix(32))
    }

    /// Upper-case hexadecimal pairs separated by colons.
    public var description: String {
        self.bytes.map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + text : text
        }.joined(separator: ":")
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
