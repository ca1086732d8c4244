import MailTimeProtocol
import NIOCore
import NIOEmbedded
import Testing

@Suite struct BrokerRequestDecoderTests {
    private func frames(_ input: String, byteByByte: Bool = true, maximumLine: Int = 64, maximumPayload: Int = 32) throws -> [BrokerFrame] {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(BrokerRequestDecoder(maximumLineLength: maximumLine, maximumPayloadSize: maximumPayload))
        )
        let bytes = Array(input.utf8)
        if byteByByte {
            for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }
        var frames: [BrokerFrame] = []
        while let frame = try channel.readInbound(as: BrokerFrame.self) { frames.append(frame) }
        _ = try? channel.finish()
        return frames
    }

    @Test(arguments: [true, false])
    func linesAndPayloads(byteByByte: Bool) throws {
        let input = "PING\r\nSEND 5\r\nhe\nlo\r\nstats\nSEND 0\r\n\r\n"
        #expect(
            try frames(input, byteByByte: byteByByte) == [
                .request(line: "PING", payload: nil),
                .request(line: "SEND 5", payload: ByteBuffer(string: "he\nlo")),
                .request(line: "stats", payload: nil),
                .request(line: "SEND 0", payload: ByteBuffer()),
            ])
    }

    @Test func tooLongLineIsFatal() throws {
        let result = try frames(String(repeating: "A", count: 80) + "\r\nPING\r\n")
        #expect(result.count == 1)
        guard case .rejected(let error, let fatal) = result[0] else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .lineTooLong && fatal)
    }

    @Test func tooLargePayloadIsDiscardedAndTheConnectionGoesOn() throws {
        let payload = String(repeating: "x", count: 40)
        let result = try frames("SEND 40\r\n\(payload)\r\nPING\r\n")
        #expect(result.count == 2)
        guard case .rejected(let error, let fatal) = result[0] else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .emailTooLarge && !fatal)
        #expect(result[1] == .request(line: "PING", payload: nil))
    }

    @Test func hugePayloadIsFatal() throws {
        let result = try frames("SEND 100000\r\nxxxx")
        guard case .rejected(let error, let fatal) = result.first else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .emailTooLarge && fatal)
    }

    @Test func payloadWithoutCRLFIsFatal() throws {
        let result = try frames("SEND 3\r\nabcdPING\r\n")
        #expect(result.count == 1)
        guard case .rejected(let error, true) = result[0] else {
            Issue.record("not fatal")
            return
        }
        #expect(error.code == .expectedCRLF)
    }

    @Test func malformedSendIsALineForTheParser() throws {
        #expect(
            try frames("SEND x\r\nSEND -1\r\n") == [
                .request(line: "SEND x", payload: nil), .request(line: "SEND -1", payload: nil),
            ])
    }
}
