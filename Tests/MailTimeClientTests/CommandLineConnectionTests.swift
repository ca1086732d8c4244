import Foundation
import MailTimeTLS
import MailTimeTestSupport
import Testing

/// How `mailtime` finds the broker, its token and its trust from the environment.
extension CommandLineTests {
    /// Runs `body` with a fresh empty directory, so that no `./var` is found.
    static func withEmptyDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mailtime-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    @Test func theBrokerIsFoundAtMAILTIME_URLUnlessFlagsSayOtherwise() async throws {
        try await TestBroker.run { broker in
            let trust = ["--token", broker.adminToken, "--fingerprint", try Self.fingerprint(broker)]
            for url in ["mailtime://127.0.0.1:\(broker.port)", "mailtimes://localhost:\(broker.port)/"] {
                let ping = try await Self.mailtime(["ping"] + trust, environment: ["MAILTIME_URL": url])
                #expect(ping.stdout == "PONG\n", "\(url): \(ping.stderr)")
            }

            // --port wins over the URL's port, --host over its host.
            let port = try await withClosedPort { closed in
                try await Self.mailtime(
                    ["ping", "--port", "\(broker.port)"] + trust, environment: ["MAILTIME_URL": "mailtime://127.0.0.1:\(closed)"]
                )
            }
            #expect(port.stdout == "PONG\n", "\(port.stderr)")
            let host = try await Self.mailtime(
                ["ping", "--host", "127.0.0.1"] + trust, environment: ["MAILTIME_URL": "mailtime://nowhere.invalid:\(broker.port)"]
            )
            #expect(host.stdout == "PONG\n", "\(host.stderr)")

            for url in ["http://127.0.0.1:\(broker.port)", "mailtime://127.0.0.1:port", "mailtime://token@127.0.0.1:\(broker.port)"] {
                let refused = try await Self.mailtime(["ping"] + trust, environment: ["MAILTIME_URL": url])
                #expect(refused.status == 2)
                #expect(refused.stderr.hasPrefix("error: INVALID_CONFIGURATION MAILTIME_URL=\(url) is not mailtime://HOST:PORT"))
            }
        }
    }

    @Test func theURLFlagWinsOverMAILTIME_URL() async throws {
        try await TestBroker.run { broker in
            let trust = ["--token", broker.adminToken, "--fingerprint", try Self.fingerprint(broker)]
            let ping = try await withClosedPort { closed in
                try await Self.mailtime(
                    ["ping", "--url", "mailtime://127.0.0.1:\(broker.port)"] + trust,
                    environment: ["MAILTIME_URL": "mailtime://127.0.0.1:\(closed)"]
                )
            }
            #expect(ping.stdout == "PONG\n", "\(ping.stderr)")
            let refused = try await Self.mailtime(["ping", "--url", "http://127.0.0.1:\(broker.port)"] + trust, environment: [:])
            #expect(refused.status == 2)
        }
    }

    @Test func theTokenAndFingerprintComeFromTheEnvironmentUnlessFlagsSayOtherwise() async throws {
        try await TestBroker.run { broker in
            try await Self.withEmptyDirectory { directory in
                let environment = [
                    "MAILTIME_URL": "mailtime://127.0.0.1:\(broker.port)",
                    "MAILTIME_TOKEN": broker.adminToken,
                    "MAILTIME_FINGERPRINT": try Self.fingerprint(broker),
                ]
                let stats = try await Self.mailtime(["stats", "--json"], in: directory, environment: environment)
                #expect(stats.status == 0, "\(stats.stderr)")
                #expect(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) is [String: Any])

                var wrongToken = environment
                wrongToken["MAILTIME_TOKEN"] = "wrong-token-0123456789"
                let refused = try await Self.mailtime(["ping"], in: directory, environment: wrongToken)
                #expect(refused.status == 1)
                #expect(refused.stderr.hasPrefix("error: AUTH_FAILED "))
                let flagWins = try await Self.mailtime(["ping", "--token", broker.adminToken], in: directory, environment: wrongToken)
                #expect(flagWins.stdout == "PONG\n", "\(flagWins.stderr)")

                var wrongFingerprint = environment
                wrongFingerprint["MAILTIME_FINGERPRINT"] = String(repeating: "ab", count: 32)
                let untrusted = try await Self.mailtime(["ping"], in: directory, environment: wrongFingerprint)
                #expect(untrusted.status == 2)
                #expect(untrusted.stderr.hasPrefix("error: TLS_FAILED "))

                var noToken = environment
                noToken["MAILTIME_TOKEN"] = nil
                let tokenless = try await Self.mailtime(["ping"], in: directory, environment: noToken)
                #expect(tokenless.status == 2)
                #expect(tokenless.stderr.hasPrefix("error: INVALID_CONFIGURATION no token"))
            }
        }
    }

    @Test func aBrokerCertificateIsCheckedAgainstMAILTIME_CA() async throws {
        try await Self.withEmptyDirectory { directory in
            let authority = try TLSKeyPair.certificateAuthority(commonName: "MailTime Test CA")
            let server = try authority.issue(hostNames: ["localhost", "127.0.0.1"])
            try authority.certificatePEM.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
            try server.certificatePEM.write(toFile: directory + "/server.pem", atomically: true, encoding: .utf8)
            try server.privateKeyPEM.write(toFile: directory + "/server.key", atomically: true, encoding: .utf8)
            let otherAuthority = try TLSKeyPair.certificateAuthority(commonName: "Someone Else")
            try otherAuthority.certificatePEM.write(toFile: directory + "/other-ca.pem", atomically: true, encoding: .utf8)

            try await TestBroker.run({ configuration in
                configuration.certificatePath = directory + "/server.pem"
                configuration.privateKeyPath = directory + "/server.key"
            }) { broker in
                let environment = [
                    "MAILTIME_URL": "mailtime://localhost:\(broker.port)",
                    "MAILTIME_TOKEN": broker.adminToken,
                    "MAILTIME_CA": directory + "/ca.pem",
                ]
                let trusted = try await Self.mailtime(["ping"], in: directory, environment: environment)
                #expect(trusted.stdout == "PONG\n", "\(trusted.stderr)")

                var other = environment
                other["MAILTIME_CA"] = directory + "/other-ca.pem"
                let untrusted = try await Self.mailtime(["ping"], in: directory, environment: other)
                #expect(untrusted.status == 2)
                #expect(untrusted.stderr.hasPrefix("error: TLS_FAILED "))
            }
        }
    }
}
