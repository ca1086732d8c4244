import COpenSSL

/// SHA-256 through OpenSSL, for the digests MailTime keeps outside TLS (the broker's token
/// digests), so that no other target calls OpenSSL.
public enum SHA256 {
    /// The number of bytes in a digest.
    public static let byteCount = 32

    /// The 32-byte SHA-256 digest of `bytes`.
    public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let input = Array(bytes)
        _ = input.withUnsafeBytes { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &digest, &length, EVP_sha256(), nil)
        }
        return digest
    }
}
