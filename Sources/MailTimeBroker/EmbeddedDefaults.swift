import Foundation
import Logging
import MailTimeProtocol
import MailTimeTLS

/// What the broker makes for itself in its data directory when the configuration does not say:
/// a self-signed certificate and an admin token. Both are made once and reused.
enum EmbeddedDefaults {
    /// The certificate and key to serve: the configured files, or `tls/certificate.pem` and
    /// `tls/private-key.pem` in the data directory, made at first start.
    static func serverKeyPair(_ configuration: BrokerConfiguration, logger: Logger) throws -> (
        certificate: TLSConfiguration.Source, key: TLSConfiguration.Source
    ) {
        if let certificate = configuration.certificatePath {
            guard let key = configuration.privateKeyPath else {
                throw BrokerConfigurationError("a certificate needs its private key (tls.key)")
            }
            return (.file(certificate), .file(key))
        }
        let directory = configuration.dataDirectory + "/tls"
        let certificatePath = directory + "/certificate.pem"
        let keyPath = directory + "/private-key.pem"
        let files = FileManager.default
        if !files.fileExists(atPath: certificatePath) || !files.fileExists(atPath: keyPath) {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var names = ["localhost", "127.0.0.1", "::1"]
            if !names.contains(configuration.host), configuration.host != "0.0.0.0", configuration.host != "::" {
                names.append(configuration.host)
            }
            let pair = try TLSKeyPair.selfSigned(hostNames: names)
            try write(pair.privateKeyPEM, to: keyPath, mode: 0o600)
            try write(pair.certificatePEM, to: certificatePath, mode: 0o644)
            logger.notice("made a self-signed certificate", metadata: ["tls.certificate": "\(certificatePath)"])
        }
        let fingerprint = try TLSFingerprint(certificatePEM: String(contentsOfFile: certificatePath, encoding: .utf8))
        logger.notice(
            "serving the embedded self-signed certificate",
            metadata: ["tls.certificate": "\(certificatePath)", "tls.sha256": "\(fingerprint)"]
        )
        return (.file(certificatePath), .file(keyPath))
    }

    /// The configured tokens, or an admin token kept in `admin.token` in the data directory.
    static func tokens(_ configuration: BrokerConfiguration, logger: Logger) throws -> [BrokerRole: [String]] {
        guard configuration.tokens.values.allSatisfy(\.isEmpty) else { return configuration.tokens }
        let path = configuration.dataDirectory + "/admin.token"
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty {
                logger.notice("no token configured: the admin token is in \(path)")
                return [.admin: [token]]
            }
        }
        var random = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        try write(token + "\n", to: path, mode: 0o600)
        logger.notice("no token configured: made an admin token in \(path)")
        return [.admin: [token]]
    }

    /// Writes `text` to a new file with `mode`, durably (temporary file, fsync, rename).
    static func write(_ text: String, to path: String, mode: mode_t) throws {
        try FileSync.writeAtomically(Array(text.utf8), to: path, mode: mode)
    }
}
