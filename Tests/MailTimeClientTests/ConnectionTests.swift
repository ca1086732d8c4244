import Foundation
import MailTimeBroker
import MailTimeClient
import MailTimeTLS
import MailTimeTestSupport
import Testing

@Suite("Connecting", .timeLimit(.minutes(2)))
struct ConnectionTests {
    @Test func connectsAuthenticatesAndPings() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            #expect(client.role == .admin)
            #expect(client.greeting.protocolVersion == 1)
            #expect(client.greeting.maximumLineLength == 16_384)
            #expect(client.greeting.maximumInFlight == 256)
            try await client.ping()
            try await client.close()
        }
    }

    @Test func aWrongTokenIsRefused() async throws {
        try await TestBroker.run { broker in
            let error = await clientError { _ = try await broker.connect(token: "not-the-token-at-all-0000") }
            #expect(error?.code == .authFailed)
            #expect(error?.isBrokerReply == true)
        }
    }

    @Test func aWrongFingerprintIsRefused() async throws {
        try await TestBroker.run { broker in
            let stranger = try TLSKeyPair.selfSigned(hostNames: ["127.0.0.1"]).fingerprint()
            let error = await clientError {
                _ = try await MailTimeClient.connect(port: broker.port, tls: .pinned([stranger]), token: broker.adminToken, logger: .quiet)
            }
            #expect(error?.code == .tlsFailed)
            #expect(error?.isBrokerReply == false)
        }
    }

    @Test func aFingerprintGivenInHexIsPinned() async throws {
        try await TestBroker.run { broker in
            let pem = try String(contentsOfFile: broker.certificatePath, encoding: .utf8)
            let hex = try TLSFingerprint(certificatePEM: pem).description
            let client = try await MailTimeClient.connect(
                port: broker.port, tls: try .pinned(fingerprint: hex), token: broker.adminToken, logger: .quiet)
            try await client.ping()
            try await client.close()
            #expect(throws: MailTimeClientError.self) { try BrokerTrust.pinned(fingerprint: "12:34") }
        }
    }

    @Test func aCertificateAuthorityVerifiesTheHostName() async throws {
        let directory = NSTemporaryDirectory() + "mailtime-client-ca-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
            let trusted = try await MailTimeClient.connect(
                host: "127.0.0.1", port: broker.port, tls: .certificateAuthority(file: directory + "/ca.pem"),
                token: broker.adminToken, logger: .quiet
            )
            try await trusted.ping()
            try await trusted.close()

            let untrusted = await clientError {
                _ = try await MailTimeClient.connect(
                    host: "127.0.0.1", port: broker.port, tls: .certificateAuthority(file: directory + "/other-ca.pem"),
                    token: broker.adminToken, logger: .quiet
                )
            }
            #expect(untrusted?.code == .tlsFailed)
        }
    }

    @Test func theCertificateMustNameTheHost() async throws {
        let directory = NSTemporaryDirectory() + "mailtime-client-ca-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let authority = try TLSKeyPair.certificateAuthority(commonName: "MailTime Test CA")
        let server = try authority.issue(hostNames: ["mail.example.com"])
        try authority.certificatePEM.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        try server.certificatePEM.write(toFile: directory + "/server.pem", atomically: true, encoding: .utf8)
        try server.privateKeyPEM.write(toFile: directory + "/server.key", atomically: true, encoding: .utf8)

        try await TestBroker.run({ configuration in
            configuration.certificatePath = directory + "/server.pem"
            configuration.privateKeyPath = directory + "/server.key"
        }) { broker in
            let error = await clientError {
                _ = try await MailTimeClient.connect(
                    host: "127.0.0.1", port: broker.port, tls: .certificateAuthority(file: directory + "/ca.pem"),
                    token: broker.adminToken, logger: .quiet
                )
            }
            #expect(error?.code == .tlsFailed)
        }
    }

    @Test func nothingListeningIsAConnectionFailure() async throws {
        let error = try await withClosedPort { port in
            await clientError {
                _ = try await MailTimeClient.connect(port: port, tls: .systemTrustStore, token: "whatever-token-0000", logger: .quiet)
            }
        }
        #expect(error?.code == .connectionFailed)
    }

    @Test func aProducerTokenIsForbiddenAdminAndWorkerCommands() async throws {
        let producerToken = "producer-token-0123456789"
        let adminToken = "admin-token-0123456789abc"
        try await TestBroker.run({ configuration in
            configuration.tokens[.producer] = [producerToken]
            configuration.tokens[.admin] = [adminToken]
        }) { broker in
            let producer = try await broker.connect(token: producerToken)
            #expect(producer.role == .producer)
            let sent = try await producer.send(sampleEmail())
            #expect(try await producer.status(sent.id).state == .ready)
            #expect(await clientError { _ = try await producer.stats() }?.code == .forbidden)
            #expect(await clientError { _ = try await producer.lease(max: 1, visibilitySeconds: 10) }?.code == .forbidden)
            #expect(await clientError { try await producer.pause() }?.code == .forbidden)
            #expect(await clientError { _ = try await producer.events() }?.code == .forbidden)
            #expect(try await producer.cancel(sent.id) == .cancelled)
            try await producer.close()
        }
    }

    @Test func closeEndsTheConnection() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            try await client.close()
            #expect(await clientError { try await client.ping() }?.code == .connectionClosed)
            try await client.close()
        }
    }

    @Test func argumentsThatWouldBreakTheLineAreRefusedBeforeSending() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            #expect(await clientError { _ = try await client.status("a b") }?.code == .invalidRequest)
            #expect(await clientError { _ = try await client.status("x\r\nPAUSE") }?.code == .invalidRequest)
            #expect(await clientError { _ = try await client.status("") }?.code == .invalidRequest)
            let longError = DeliveryFailure(code: DeliveryFailure.Code("LONG"), text: String(repeating: "x", count: 20_000))
            let tooLong = await clientError {
                _ = try await client.retry(id: "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59", token: 1, error: longError)
            }
            #expect(tooLong?.code == .invalidRequest)
            try await client.ping()
            #expect(try await client.stats().isPaused == false)
            try await client.close()
        }
    }
}
