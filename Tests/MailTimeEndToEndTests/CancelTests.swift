import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// `CANCEL` before the send (the email is never delivered) and during it (protocol.md: `OK
/// CANCEL_REQUESTED`; a send that goes through leaves the email `sent`).
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct CancelTests {
    @Test func anEmailCancelledBeforeSendingIsNeverDelivered() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let broker = try await BrokerProcess.start(["--providers", BrokerProcess.provider("sink", port: sink.port)])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        try await client.pause()
        let cancelled = try await client.send(try Email.numbered(0, run: run)).id
        #expect(try await client.cancel(cancelled) == .cancelled)
        try await client.resume()
        // An email sent after it shows that the senders run again.
        let marker = try await client.send(try Email.numbered(1, run: run)).id
        try await waitUntil("the email after the cancelled one to be sent", timeout: .seconds(20)) {
            try await client.status(marker).state == .sent
        }

        #expect(try sink.deliveredCount() == 1, "only the email after the cancelled one arrived")
        let status = try await client.status(cancelled)
        #expect(status.state == .cancelled)
        #expect(status.attempts == 0)
        print("cancel before sending: \(try sink.deliveredCount()) delivered (the other email), cancelled one \(status.state)")
        try await client.close()
    }

    @Test func anEmailCancelledWhileItIsBeingSentEndsSent() async throws {
        // The sink waits 12 s before answering DATA, without pipelining: the send is in flight that long, long
        // enough for the cancel below to arrive during it even on a busy machine.
        let sink = try await SMTPSink.start(arguments: ["-p", "-w", "12"])
        defer { sink.stop() }
        let broker = try await BrokerProcess.start(["--providers", BrokerProcess.provider("slow", port: sink.port)])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        let id = try await client.send(try Email.numbered(0, run: run)).id
        try await waitUntil("a sender to take the email", timeout: .seconds(10)) {
            try await client.status(id).state == .leased
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try sink.deliveredCount() == 0, "the send is still in flight")
        #expect(try await client.cancel(id) == .cancelRequested)
        let requested = try await client.status(id)
        #expect(requested.state == .leased)
        #expect(requested.cancelRequested)

        try await sink.waitForDelivered(count: 1, timeout: .seconds(30))
        try await waitUntil("the outcome to be recorded", timeout: .seconds(10)) {
            try await client.status(id).state != .leased
        }
        let status = try await client.status(id)
        #expect(status.state == .sent, "a cancel that comes too late leaves a delivered email sent: \(status.json)")
        #expect(status.attempts == 1)
        let refusal = await #expect(throws: MailTimeClientError.self, "an email already sent cannot be cancelled") {
            try await client.cancel(id)
        }
        #expect(refusal?.code == .invalidState)
        #expect(try sink.deliveredCount() == 1)
        print(
            "cancel during sending: CANCEL_REQUESTED, then \(status.state) after \(status.attempts) attempt, \(try sink.deliveredCount()) delivered")
        try await client.close()
    }
}
