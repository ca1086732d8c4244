import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

/// An internationalised domain through the broker: sent as UTF-8, stored, shown by STATUS and written
/// in the message with A-labels (protocol.md, SEND, Addresses).
@Suite struct InternationalAddressTests {
    @Test func idnDomainsAreStoredShownAndSentAsALabels() async throws {
        try await TestBroker.run({ $0.senders = 1 }) { broker in
            let client = try await broker.connect()
            let id = try await client.send(Array(#"{"from":"app@Bücher.example","to":"Ann <ann@例子.广告>","text":"hi"}"#.utf8)).id
            let status = try await deadline(.seconds(15), "the email to be sent") {
                while true {
                    let status = try await client.status(id)
                    if status.state == .sent { return status }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(status.recipients.map(\.address) == ["ann@xn--fsqu00a.xn--4rr70v"])
            let directory = broker.dataDirectory + "/outbox"
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            let message = try String(contentsOfFile: directory + "/" + #require(files.first), encoding: .utf8)
            #expect(message.contains("From: app@xn--bcher-kva.example\r\n"))
            #expect(message.contains("To: Ann <ann@xn--fsqu00a.xn--4rr70v>\r\n"))
            #expect(message.contains("@xn--bcher-kva.example>\r\n"))
            try await client.close()
        }
    }
}
