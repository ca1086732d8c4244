import Foundation
import Logging
import MailTimeMessage
import MailTimeSMTP
import MailTimeTLS
import MailTimeTestSupport
import Testing

/// What the SMTP tests share: a logger, messages, a test CA, client configurations.
enum SMTPTestSupport {
    static let logger = Logger(label: "mailtime.smtp.tests")
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    /// A small plain-text message from `app@example.com` to `recipients`.
    static func message(to recipients: [String] = ["ann@example.org"], subject: String = "Hello") throws -> ComposedMessage {
        let email = Email(
            from: try EmailAddress("app@example.com"),
            to: try recipients.map { try EmailAddress($0) },
            subject: subject,
            text: "Hello there.\n.A line starting with a dot.\n",
            messageID: "<test.\(UUID().uuidString)@example.com>"
        )
        return try MessageComposer().compose(email, date: date)
    }

    /// A client for a plaintext server on loopback, with short timeouts.
    static func plaintextClient(port: Int) -> SMTPClientConfiguration {
        var timeouts = SMTPTimeouts()
        timeouts.connect = .seconds(5)
        timeouts.greeting = .seconds(10)
        timeouts.command = .seconds(10)
        timeouts.mail = .seconds(10)
        timeouts.recipient = .seconds(10)
        timeouts.dataInitiation = .seconds(10)
        timeouts.dataTermination = .seconds(10)
        return SMTPClientConfiguration(host: "127.0.0.1", port: port, tlsPolicy: .none, timeouts: timeouts)
    }

    /// A certificate authority made for the tests, and a server certificate it issued for
    /// `localhost` and 127.0.0.1, written to PEM files for servers that read files.
    final class TestAuthority: Sendable {
        let authority: TLSKeyPair
        let server: TLSKeyPair
        let directory: URL
        var certificateFile: String { directory.appendingPathComponent("server.pem").path }
        var privateKeyFile: String { directory.appendingPathComponent("server.key").path }

        init() throws {
            authority = try TLSKeyPair.certificateAuthority(commonName: "MailTime SMTP Test CA")
            server = try authority.issue(hostNames: ["localhost", "127.0.0.1"])
            directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-smtp-ca")
            try server.certificatePEM.write(toFile: directory.appendingPathComponent("server.pem").path, atomically: true, encoding: .utf8)
            try server.privateKeyPEM.write(toFile: directory.appendingPathComponent("server.key").path, atomically: true, encoding: .utf8)
        }

        deinit {
            try? FileManager.default.removeItem(at: directory)
        }

        /// A client that trusts only this authority and checks the name `localhost`.
        func client(port: Int, policy: SMTPTLSPolicy, credentials: SMTPCredentials? = nil) -> SMTPClientConfiguration {
            var configuration = SMTPTestSupport.plaintextClient(port: port)
            configuration.tlsPolicy = policy
            configuration.tls = .client(trustRoots: .bundle(.pem(authority.certificatePEM)))
            configuration.tlsServerName = "localhost"
            configuration.credentials = credentials
            return configuration
        }
    }
}

/// Runs `body`, which must fail with an ``SMTPError`` of `code` and `kind`.
func expectFailure(
    _ code: SMTPError.Code, kind: SMTPError.Kind,
    _ body: () async throws(SMTPError) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        try await body()
        Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    }
}
