import Testing

@testable import MailTimeClient

@Suite("BrokerGreeting")
struct GreetingTests {
    @Test func theGreetingIgnoresUnknownFields() throws {
        let greeting = try BrokerGreeting(line: "OK mailtime 1 max_line=100 colour=blue max_payload=2000 max_inflight=8")
        #expect(greeting.protocolVersion == 1)
        #expect(greeting.maximumLineLength == 100)
        #expect(greeting.maximumPayloadSize == 2000)
        #expect(greeting.maximumInFlight == 8)
        #expect(throws: MailTimeClientError.self) { try BrokerGreeting(line: "220 smtp.example.com ESMTP") }
    }
}
