import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// Folding (MailTime's concatEmails) through the broker: emails to one recipient within the window
/// go out as one email, written to the outbox by the embedded senders.
@Suite struct FoldingTests {
    func email(_ number: Int, to recipient: String = "ann@example.com", fold: Bool = true, sendAt: Int64? = nil) throws -> Email {
        Email(
            from: try EmailAddress("app@example.com"), to: [try EmailAddress(recipient)],
            subject: "Notice \(number)", text: "Body number \(number) for {{name}}.",
            sendAt: sendAt, variables: ["name": "Ann"], fold: fold, messageID: "<notice-\(number)@example.com>"
        )
    }

    func outbox(_ broker: TestBroker) throws -> [String] {
        let directory = broker.dataDirectory + "/outbox"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return try files.sorted().map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
    }

    @Test func emailsToOneRecipientWithinTheWindowGoOutAsOne() async throws {
        try await TestBroker.run({
            $0.senders = 2
            // Long enough for the three sends to arrive within it on a loaded machine.
            $0.folding.window = .seconds(8)
            $0.folding.subject = "You have {{count}} notices"
        }) { broker in
            let client = try await broker.connect()
            var sentIDs: [String] = []
            for number in 1...3 { sentIDs.append(try await client.send(try email(number)).id) }
            let ids = sentIDs
            let other = try await client.send(try email(9, to: "bob@example.com")).id
            let unfolded = try await client.send(try email(7, fold: false)).id
            let settled = try await deadline(.seconds(30), "every email to be sent") {
                while true {
                    var states: [JobState] = []
                    for id in ids + [other, unfolded] { states.append(try await client.status(id).state) }
                    if states.allSatisfy({ $0 == .sent }) { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(settled)
            let messages = try outbox(broker)
            // Ann's three folded emails are one message; Bob's and the unfolded one are alone.
            #expect(messages.count == 3)
            let folded = try #require(messages.first { $0.contains("You have 3 notices") })
            for number in 1...3 { #expect(folded.contains("Body number \(number) for Ann.")) }
            // The folded email is the first one's: its Message-ID (and sender, recipient, headers).
            #expect(folded.contains("Message-ID: <notice-1@example.com>"))
            #expect(!folded.contains("<notice-2@example.com>") && !folded.contains("<notice-3@example.com>"))
            // Each folded email keeps its own id, and its STATUS tells the outcome of the one send.
            for id in ids {
                let status = try await client.status(id)
                #expect(status.state == .sent && status.attempts == 1)
            }
            #expect(messages.contains { $0.contains("Subject: Notice 9") })
            #expect(messages.contains { $0.contains("Subject: Notice 7") })
            try await client.close()
        }
    }

    @Test func anEmailScheduledLaterNeverFoldsIntoAnEarlierOne() async throws {
        try await TestBroker.run({
            $0.senders = 1
            $0.folding.window = .seconds(1)
        }) { broker in
            let client = try await broker.connect()
            let first = try await client.send(try email(1)).id
            let later = Int64(Date().timeIntervalSince1970 * 1000) + 2500
            let scheduled = try await client.send(try email(2, sendAt: later)).id
            let done = try await deadline(.seconds(15), "both to be sent") {
                while true {
                    let states = [try await client.status(first).state, try await client.status(scheduled).state]
                    if states == [.sent, .sent] { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(done)
            let messages = try outbox(broker)
            #expect(messages.count == 2)
            #expect(!messages.contains { $0.contains("notifications") })
            try await client.close()
        }
    }
}
