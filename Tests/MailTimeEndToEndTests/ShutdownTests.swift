import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// SIGTERM stops `mailtimed` gracefully (README: it stops accepting, lets the senders finish the email
/// in hand, and closes the store), also after its provider closed the pooled SMTP connections.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test(arguments: [true, false])
    func sigtermStopsTheBrokerPromptly(providerStillListens: Bool) async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let broker = try await BrokerProcess.start(["--providers", BrokerProcess.provider("sink", port: sink.port)])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()
        let id = try await client.send(try Email.numbered(0, run: run)).id
        try await waitUntil("the email to be sent", timeout: .seconds(20)) {
            try await client.status(id).state == .sent
        }
        try await client.close()
        if !providerStillListens {
            // The provider goes away: the broker's idle connection to it is closed by the other side.
            sink.stop()
            try await Task.sleep(for: .milliseconds(200))
        }

        let stopping = ContinuousClock.now
        let status = try await broker.terminate(timeout: .seconds(10))
        #expect(status == 0)
        print("SIGTERM (provider \(providerStillListens ? "listening" : "gone")): exit status \(status) after \(ContinuousClock.now - stopping)")
    }
}
