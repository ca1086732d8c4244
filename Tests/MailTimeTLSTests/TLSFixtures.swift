import Logging
import MailTimeTLS

/// Certificates made once per test run: a test CA and leaves it issued, plus untrusted and expired ones.
enum TLSFixtures {
    static let serverName = "mail.example.test"
    static let authority = try! TLSKeyPair.certificateAuthority(commonName: "MailTime Test CA")
    static let server = try! authority.issue(hostNames: [serverName, "localhost", "127.0.0.1"])
    static let client = try! authority.issue(hostNames: ["client.example.test"])
    static let selfSigned = try! TLSKeyPair.selfSigned(hostNames: [serverName])
    static let expired = try! authority.issue(
        hostNames: [serverName],
        notBefore: .seconds(-2 * 86_400),
        notAfter: .seconds(-86_400)
    )

    static let logger = Logger(label: "mailtime.tls.tests")

    static func serverContext(
        keyPair: TLSKeyPair = server,
        verification: TLSConfiguration.CertificateVerification = .none,
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.server(
            certificateChain: .pem(keyPair.certificatePEM),
            privateKey: .pem(keyPair.privateKeyPEM)
        )
        configuration.trustRoots = .bundle(.pem(authority.certificatePEM))
        configuration.certificateVerification = verification
        configuration.maximumVersion = maximumVersion
        return try TLSContext(configuration: configuration)
    }

    static func clientContext(
        keyPair: TLSKeyPair? = nil,
        verification: TLSConfiguration.CertificateVerification = .fullVerification,
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.client(trustRoots: .bundle(.pem(authority.certificatePEM)))
        if let keyPair {
            configuration.certificateChain = .pem(keyPair.certificatePEM)
            configuration.privateKey = .pem(keyPair.privateKeyPEM)
        }
        configuration.certificateVerification = verification
        configuration.maximumVersion = maximumVersion
        return try TLSContext(configuration: configuration)
    }
}
