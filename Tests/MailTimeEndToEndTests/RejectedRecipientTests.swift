import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// A recipient the provider refuses for good (550): the others get the email, which ends `sent`
/// after one attempt with that recipient recorded as failed.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct RejectedRecipientTests {
    @Test func theOtherRecipientsAreDeliveredAndTheRefusalIsRecorded() async throws {
        let server = try await AiosmtpdServer.start(.init(rejectedRecipients: ["bob@example.org": "550 5.1.1 no such user"]))
        defer { server.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("aiosmtpd", port: server.port),
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        let recipients = ["ann@example.org", "bob@example.org", "cat@example.org"]
        let id = try await client.send(try Email.numbered(0, run: run, to: recipients)).id
        let messages = try await server.waitForMessages(count: 1, timeout: .seconds(20))
        try await waitUntil("the email to be sent", timeout: .seconds(10)) {
            try await client.status(id).state == .sent
        }

        #expect(try server.receivedMessages().count == 1)
        #expect(messages[0].recipients == ["ann@example.org", "cat@example.org"])
        let status = try await client.status(id)
        #expect(status.state == .sent)
        #expect(status.attempts == 1)
        let byAddress = Dictionary(uniqueKeysWithValues: status.recipients.map { ($0.address, $0) })
        #expect(byAddress["ann@example.org"]?.accepted == true)
        #expect(byAddress["cat@example.org"]?.accepted == true)
        let bob = try #require(byAddress["bob@example.org"], "STATUS has no result for the refused recipient: \(status.json)")
        #expect(bob.accepted == false)
        #expect(bob.code == 550)
        #expect(bob.reply.contains("no such user"), "\(bob.reply)")
        print("rejected recipient: 1 message to \(messages[0].recipients), status \(status.json)")
        try await client.close()
    }
}
