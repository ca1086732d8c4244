import Foundation
@testable import MailTimeBroker
import MailTimeDelivery
import MailTimeMessage
import MailTimeQueue
import MailTimeTestSupport
import NIOCore
import Testing

/// A submitted message after intake, delivered by the broker's own deliverers and by `mailtime sender`
/// over the protocol: the bytes that go out are the stored message, byte for byte.
@Suite struct SubmittedMessageSendingTests {
    static let context = SubmissionContext(
        clientName: "app.example.com", clientAddress: "127.0.0.1", isTLS: false, authenticatedUser: nil, hostname: "broker.example",
        allowedSenderDomains: nil
    )
    static let text = "From: App <app@example.com>\r\nBcc: hidden@example.org\r\nSubject: Hi\r\n\r\n.leading dot\r\nBody\r\n"

    @Test func theOutboxWritesTheStoredMessageByteForByte() async throws {
        let directory = NSTemporaryDirectory() + "mailtime-outbox-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outbox = try FileOutboxDeliverer(directory: directory)
        let message = SubmittedMessage(
            reversePath: nil, recipients: [try EmailAddress("ann@example.org")], message: Array("From: a@example.com\r\n\r\n.x\r\nno final CRLF".utf8)
        )
        let request = DeliveryRequest(id: "job-1", content: .submitted(message), recipients: message.recipients, attempt: 1, pinnedProvider: nil)
        guard case .sent(let results) = await outbox.deliver(request) else {
            Issue.record("not written")
            return
        }
        #expect(results.map(\.address) == ["ann@example.org"])
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/job-1.eml"))) == message.message)
    }

    /// The job is queued straight into the store of a broker with no embedded senders; `mailtime sender`
    /// leases it over the protocol and delivers it to aiosmtpd.
    @Test(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
    func mailtimeSenderDeliversASubmittedMessageOverTheProtocol() async throws {
        let server = try await AiosmtpdServer.start()
        defer { server.stop() }
        let directory = NSTemporaryDirectory() + "mailtime-submitted-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory
        let job = try SubmissionIntake(configuration: configuration).job(
            reversePath: "", recipients: ["ann@example.org", "bob@example.net"], smtpUTF8: false, eightBitMIME: false,
            message: ByteBuffer(string: Self.text), context: Self.context, now: .now()
        )
        let stored = try SubmittedMessage(stored: job.payload)
        let queue = try MailQueue(configuration: configuration.queueConfiguration, logger: .quiet)
        _ = try await queue.enqueue([job])
        queue.close()

        try await TestBroker.run({ $0.dataDirectory = directory }) { broker in
            let fingerprint = try await Self.fingerprint(certificate: broker.certificatePath)
            let sender = try ChildProcess.launch(
                try BuiltProduct.path("mailtime"),
                arguments: [
                    "sender", "--host", "127.0.0.1", "--port", "\(broker.port)", "--token", broker.adminToken, "--fingerprint", fingerprint,
                    "--provider", "name=test;host=127.0.0.1;port=\(server.port);tls=none",
                ]
            )
            defer { sender.terminate() }
            let received = try await server.waitForMessages(count: 1, timeout: .seconds(30))
            #expect(received[0].data == stored.message, "\(sender.diagnostics())")
            #expect(received[0].mailFrom == "")
            #expect(received[0].recipients == ["ann@example.org", "bob@example.net"])
            #expect(!received[0].text.contains("hidden@example.org"))
        }
    }

    /// The SHA-256 fingerprint of a PEM certificate, as `openssl x509 -fingerprint` prints it.
    static func fingerprint(certificate: String) async throws -> String {
        let openssl = try ChildProcess.launch("openssl", arguments: ["x509", "-noout", "-fingerprint", "-sha256", "-in", certificate])
        defer { openssl.terminate() }
        guard try await ChildProcess.poll(timeout: .seconds(20), until: { !openssl.isRunning }), openssl.exitStatus == 0,
            let value = openssl.standardOutput().split(separator: "=").last
        else {
            throw TestFailure("openssl did not print the fingerprint: \(openssl.diagnostics())")
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
