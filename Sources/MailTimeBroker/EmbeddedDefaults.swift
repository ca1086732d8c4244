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
        if let certificate = configuration.certificatePath, let key = configuration.privateKeyPath {
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

    /// The configured tokens; when no admin token is configured, plus an admin token kept in
    /// `admin.token` in the data directory (made at first start), whatever other roles have tokens.
    static func tokens(_ configuration: BrokerConfiguration, logger: Logger) throws -> [BrokerRole: [String]] {
        var tokens = configuration.tokens
        guard tokens[.admin, default: []].isEmpty else { return tokens }
        let path = configuration.dataDirectory + "/admin.token"
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty {
                logger.notice("no admin token configured (tokens.admin): using the admin token file", metadata: ["admin.token": "\(path)"])
                tokens[.admin] = [token]
                return tokens
            }
        }
        var random = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        try write(token + "\n", to: path, mode: 0o600)
        logger.notice("no admin token configured (tokens.admin): made an admin token file", metadata: ["admin.token": "\(path)"])
        tokens[.admin] = [token]
        return tokens
    }

    /// Checks the files the configuration names before anything is made: a certificate and its key go
    /// together, and each file exists and can be read (else ``BrokerStartupError/Code/unreadableFile``).
    static func checkConfiguredFiles(_ configuration: BrokerConfiguration) throws {
        switch (configuration.certificatePath, configuration.privateKeyPath) {
        case (let certificate?, let key?):
            try checkReadable(certificate, key: "tls.certificate")
            try checkReadable(key, key: "tls.key")
        case (_?, nil):
            throw BrokerConfigurationError("a certificate needs its private key (tls.key)")
        case (nil, _?):
            throw BrokerConfigurationError("a private key needs its certificate (tls.certificate)")
        case (nil, nil):
            break
        }
        if let clientCA = configuration.clientCAPath {
            try checkReadable(clientCA, key: "tls.client-ca")
        }
    }

    /// Throws ``BrokerStartupError/Code/unreadableFile`` when the file at `path`, named by the setting
    /// `key`, does not exist or cannot be read.
    private static func checkReadable(_ path: String, key: String) throws {
        guard access(path, R_OK) != 0 else { return }
        let reason = String(cString: strerror(errno))
        throw BrokerStartupError(.unreadableFile, "cannot read \(key) \(path): \(reason)")
    }

    /// Writes `text` to a new file with `mode`, durably (temporary file, fsync, rename).
    static func write(_ text: String, to path: String, mode: mode_t) throws {
        try FileSync.writeAtomically(Array(text.utf8), to: path, mode: mode)
    }
}
