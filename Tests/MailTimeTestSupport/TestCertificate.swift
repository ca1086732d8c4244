import Foundation

/// A fresh self-signed certificate and its unencrypted private key (PEM files in a private temporary
/// directory), made with the `openssl` command-line tool, for TLS peers such as ``AiosmtpdServer``.
/// The directory is removed by ``remove()`` or on deinit.
public final class TestCertificate: Sendable {
    /// The directory holding `certificate.pem` and `key.pem`.
    public let directory: URL
    /// The path of the certificate (PEM).
    public let certificateFile: String
    /// The path of the private key (PEM, unencrypted).
    public let privateKeyFile: String

    private init(directory: URL) {
        self.directory = directory
        self.certificateFile = directory.appendingPathComponent("certificate.pem").path
        self.privateKeyFile = directory.appendingPathComponent("key.pem").path
    }

    /// Makes an RSA 2048 self-signed certificate:
    /// `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=<commonName> -addext subjectAltName=<subjectAlternativeNames>`.
    public static func make(
        commonName: String = "localhost",
        subjectAlternativeNames: String = "DNS:localhost,IP:127.0.0.1",
        days: Int = 2,
        timeout: Duration = .seconds(30)
    ) throws -> TestCertificate {
        let certificate = TestCertificate(directory: try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-cert"))
        let openssl = try ChildProcess.launch(
            "openssl",
            arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-subj", "/CN=\(commonName)",
                "-addext", "subjectAltName=\(subjectAlternativeNames)",
                "-days", "\(days)",
                "-keyout", certificate.privateKeyFile,
                "-out", certificate.certificateFile,
            ],
            mergeStandardError: true
        )
        defer { openssl.terminate() }
        let status = try openssl.waitForExit(timeout: timeout)
        guard status == 0 else {
            throw ChildProcess.Failure("openssl could not make a certificate: \(openssl.diagnostics())")
        }
        return certificate
    }

    /// Removes the directory and the files in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        remove()
    }
}
