@testable import MailTimeClient
import NIOCore
import NIOEmbedded
import Testing

/// The client's reply framing: lines, and the email a `LEASE` reply's `JOB <bytes> <json>` line counts.
@Suite struct ReplyLineDecoderTests {
    /// Feeds `bytes` in pieces of `chunk` bytes and returns what the decoder read.
    static func decode(_ bytes: [UInt8], chunk: Int) throws -> [ReplyLine] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ReplyLineDecoder()))
        var start = 0
        while start < bytes.count {
            try channel.writeInbound(ByteBuffer(bytes: bytes[start..<min(start + chunk, bytes.count)]))
            start += chunk
        }
        var lines: [ReplyLine] = []
        while let line = try channel.readInbound(as: ReplyLine.self) { lines.append(line) }
        _ = try channel.finish()
        return lines
    }

    @Test(arguments: [1, 7, 4096])
    func readsTheCountedEmailWholeWhateverItHolds(chunk: Int) throws {
        let email = Array("{\"text\":\"x\"}\r\nJOB 5 {}\r\nOK 3\n".utf8)
        let reply =
            Array("OK 2\r\nJOB \(email.count) {\"id\":\"a\",\"token\":1,\"deadline\":5}\r\n".utf8) + email
            + Array("\r\nJOB 0 {\"id\":\"b\",\"token\":2,\"deadline\":5}\n\nfoo\r\nJOB {\"id\":\"c\"}\r\nOK PONG\r\n".utf8)
        let lines = try Self.decode(reply, chunk: chunk)
        #expect(
            lines.map(\.text) == [
                "OK 2",
                "JOB \(email.count) {\"id\":\"a\",\"token\":1,\"deadline\":5}",
                "JOB 0 {\"id\":\"b\",\"token\":2,\"deadline\":5}",
                "foo",
                "JOB {\"id\":\"c\"}",
                "OK PONG",
            ])
        #expect(lines.map(\.payload) == [nil, email, [], nil, nil, nil])
        #expect(try LeasedEmail(lines[1]).email == email)
    }

    @Test func aPayloadNotFollowedByCRLFIsAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ReplyLineDecoder()))
        #expect(throws: MailTimeClientError.self) {
            try channel.writeInbound(ByteBuffer(string: "JOB 2 {}\r\nabc\r\n"))
        }
    }
}
