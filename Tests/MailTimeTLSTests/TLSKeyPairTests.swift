import Foundation
import MailTimeTLS
import MailTimeTestSupport
import Testing

@Suite struct TLSKeyPairTests {
    @Test(.tags(.peer), .unlessSkipped(.peer)) func fingerprintMatchesOpenSSLsCommandLine() async throws {
        let pair = try TLSKeyPair.selfSigned(hostNames: ["mail.example.test"])
        let openssl = try OpenSSLProcess(["x509", "-noout", "-fingerprint", "-sha256"])
        defer { openssl.stop() }
        openssl.send(Array(pair.certificatePEM.utf8), thenClose: true)
        try await openssl.waitForExit()
        let line = String(decoding: openssl.standardOutput, as: UTF8.self)
        #expect(line.trimmingCharacters(in: .whitespacesAndNewlines) == "sha256 Fingerprint=\(try pair.fingerprint())")
    }

    @Test(.tags(.peer), .unlessSkipped(.peer)) func selfSignedCertificateNamesItsHostsAndUsesP256() async throws {
        let pair = try TLSKeyPair.selfSigned(hostNames: ["mail.example.test", "127.0.0.1"])
        let openssl = try OpenSSLProcess(["x509", "-noout", "-text"])
        defer { openssl.stop() }
        openssl.send(Array(pair.certificatePEM.utf8), thenClose: true)
        try await openssl.waitForExit()
        let text = String(decoding: openssl.standardOutput, as: UTF8.self)
        #expect(text.contains("Subject: CN = mail.example.test"))
        #expect(text.contains("DNS:mail.example.test, IP Address:127.0.0.1"))
        #expect(text.contains("NIST CURVE: P-256"))
        #expect(text.contains("CA:FALSE"))
        #expect(pair.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func fingerprintHexRoundTrips() throws {
        let fingerprint = try TLSFixtures.server.fingerprint()
        #expect(TLSFingerprint(hex: fingerprint.description) == fingerprint)
        #expect(TLSFingerprint(hex: fingerprint.description.replacingOccurrences(of: ":", with: "").lowercased()) == fingerprint)
        #expect(TLSFingerprint(hex: "AB:CD") == nil)
        #expect(TLSFingerprint(hex: String(repeating: "zz", count: 32)) == nil)
    }

    @Test func eachCertificateHasItsOwnFingerprint() throws {
        let fingerprints = try [TLSFixtures.authority, TLSFixtures.server, TLSFixtures.client, TLSFixtures.selfSigned]
            .map { try $0.fingerprint() }
        #expect(Set(fingerprints).count == 4)
    }

    @Test func contextRejectsBadMaterialWithStableCodes() throws {
        #expect(throws: TLSError.self) { try TLSFingerprint(certificatePEM: "not a certificate") }

        let noCertificate = TLSConfiguration(role: .server, certificateVerification: .none)
        #expect(Self.code { try TLSContext(configuration: noCertificate) } == .invalidConfiguration)

        let garbage = TLSConfiguration.server(certificateChain: .pem("garbage"), privateKey: .pem("garbage"))
        #expect(Self.code { try TLSContext(configuration: garbage) } == .invalidCertificate)

        let mismatched = TLSConfiguration.server(
            certificateChain: .pem(TLSFixtures.server.certificatePEM),
            privateKey: .pem(TLSFixtures.client.privateKeyPEM)
        )
        let error = try #require(Self.error { try TLSContext(configuration: mismatched) })
        #expect(error.code == .invalidPrivateKey)
        #expect(!error.openSSLErrors.isEmpty)

        let missingFile = TLSConfiguration.server(certificateChain: .file("/nonexistent.pem"), privateKey: .file("/nonexistent.key"))
        #expect(Self.code { try TLSContext(configuration: missingFile) } == .invalidCertificate)

        var badCiphers = TLSConfiguration.client()
        badCiphers.cipherList = "NO-SUCH-CIPHER"
        #expect(Self.code { try TLSContext(configuration: badCiphers) } == .invalidConfiguration)
    }

    @Test func contextLoadsPEMFilesAndTheSystemStore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailtime-tls-files-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("chain.pem")
        let key = directory.appendingPathComponent("key.pem")
        // A leaf followed by its CA: the intermediate slot of the chain.
        try (TLSFixtures.server.certificatePEM + TLSFixtures.authority.certificatePEM).write(to: certificate, atomically: true, encoding: .utf8)
        try TLSFixtures.server.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        _ = try TLSContext(configuration: .server(certificateChain: .file(certificate.path), privateKey: .file(key.path)))
        _ = try TLSContext(configuration: .client(trustRoots: .bundle(.file(certificate.path))))
        _ = try TLSContext(configuration: .client(trustRoots: .system))
    }

    private static func error(_ body: () throws -> Any) -> TLSError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? TLSError
        }
    }

    private static func code(_ body: () throws -> Any) -> TLSError.Code? {
        self.error(body)?.code
    }
}
