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

    @Test(arguments: ["SEND x", "SEND -1", "SEND +10", "SEND 010", "SEND 1e3", "SEND 0x10", "SEND \u{0661}", "SEND", "SEND ", "SEND  5", "SEND\t5"])
    func aSendWhosePayloadCannotBeFoundIsFatal(line: String) throws {
        let result = try frames("\(line)\r\n{}\r\nPING\r\n", maximumLine: 64)
        #expect(result.count == 1, "\(line)")
        guard case .rejected(let error, true) = result.first else {
            Issue.record("not fatal: \(line)")
            return
        }
        #expect(error.code == .badArguments)
    }

    @Test func aSendCountOverTheLargestNumberIsTooLarge() throws {
        guard case .rejected(let error, true) = try frames("SEND 18446744073709551615\r\nxx").first else {
            Issue.record("not fatal")
            return
        }
        #expect(error.code == .emailTooLarge)
    }

    @Test(arguments: [true, false])
    func inlineSendIsALine(byteByByte: Bool) throws {
        let input = "SEND {\"to\":\"a@b.c\",\"text\":\"x y\"}\r\nsend {}\nPING\r\n"
        #expect(
            try frames(input, byteByByte: byteByByte) == [
                .request(line: #"SEND {"to":"a@b.c","text":"x y"}"#, payload: nil),
                .request(line: "send {}", payload: nil),
                .request(line: "PING", payload: nil),
            ])
    }

    @Test func aPayloadMayEndWithABareLFLikeALine() throws {
        #expect(
            try frames("SEND 2\r\n{}\nPING\n") == [
                .request(line: "SEND 2", payload: ByteBuffer(string: "{}")), .request(line: "PING", payload: nil),
            ])
    }

    @Test func onlyOneCRBeforeTheLFIsDropped() throws {
        #expect(
            try frames("PING\r\r\n\r\n\n") == [
                .request(line: "PING\r", payload: nil), .request(line: "", payload: nil), .request(line: "", payload: nil),
            ])
    }

    @Test func aLineThatIsNotUTF8IsRefusedAndTheConnectionGoesOn() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(BrokerRequestDecoder(maximumLineLength: 64, maximumPayloadSize: 32)))
        try channel.writeInbound(ByteBuffer(bytes: Array("STATUS ".utf8) + [0xC3, 0x28] + Array("\r\nPING\r\n".utf8)))
        guard case .rejected(let error, false) = try channel.readInbound(as: BrokerFrame.self) else {
            Issue.record("not refused")
            return
        }
        #expect(error.code == .badArguments)
        #expect(try channel.readInbound(as: BrokerFrame.self) == .request(line: "PING", payload: nil))
        _ = try? channel.finish()
    }
}
