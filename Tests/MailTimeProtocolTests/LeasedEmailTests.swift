import MailTimeProtocol
import NIOCore
import Testing

/// A `LEASE` reply's `JOB <bytes> <json>` line with the email as a counted payload after it.
@Suite struct LeasedEmailTests {
    static let email = Array("{\"to\":\"ann@example.com\",\"text\":\"two\\r\\nlines\"}\r\nJOB 3 {}\r\n".utf8)
    static let leased = LeasedEmail(
        id: "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59",
        token: 42,
        attempts: 2,
        provider: 0,
        deadline: 1_764_400_360_000,
        settledRecipients: ["ann@example.com"],
        email: email
    )

    @Test func roundTripsThroughItsLine() throws {
        #expect(try LeasedEmail(Self.leased.replyLine) == Self.leased)
        var plain = Self.leased
        plain.provider = nil
        plain.settledRecipients = []
        plain.email = []
        #expect(try LeasedEmail(plain.replyLine) == plain)
    }

    @Test func isWrittenAsALineThenItsCountedBytes() {
        let leased = LeasedEmail(id: "a", token: 1, attempts: 1, provider: nil, deadline: 5, settledRecipients: [], email: Array("{}".utf8))
        var buffer = ByteBuffer()
        BrokerReply.okLines([leased.replyLine]).write(into: &buffer)
        #expect(String(buffer: buffer) == "OK 1\r\nJOB 2 {\"id\":\"a\",\"token\":1,\"attempts\":1,\"deadline\":5}\r\n{}\r\n")
    }

    @Test func onlyACountedJobLineHasAPayload() {
        #expect(ReplyLine.payloadSize(of: "JOB 12 {\"id\":\"a\"}") == 12)
        #expect(ReplyLine.payloadSize(of: "JOB 0 {}") == 0)
        #expect(ReplyLine.payloadSize(of: "JOB {\"id\":\"a\"}") == nil)
        #expect(ReplyLine.payloadSize(of: "EVENT {}") == nil)
        #expect(ReplyLine.payloadSize(of: "JOB 99999999999999999999 {}") == nil)
    }

    @Test func aPayloadOfAnotherSizeIsRefused() {
        var line = Self.leased.replyLine
        line.payload?.removeLast()
        #expect(throws: ProtocolError.self) { try LeasedEmail(line) }
        #expect(throws: ProtocolError.self) { try LeasedEmail(ReplyLine("JOB {\"id\":\"a\"}")) }
    }
}
