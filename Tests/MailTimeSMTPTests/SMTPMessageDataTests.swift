@testable import MailTimeSMTP
import NIOCore
import MailTimeTestSupport
import Testing

/// `SMTPMessageData`: the message as it goes after DATA (RFC 5321 §4.5.2 and §2.3.8).
@Suite struct SMTPMessageDataTests {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let dot = UInt8(ascii: ".")

    static func bytes(_ data: SMTPMessageData) -> [UInt8] {
        Array(data.buffer.readableBytesView)
    }

    static func encoded(_ message: String) -> String {
        String(decoding: bytes(SMTPMessageData(Array(message.utf8))), as: UTF8.self)
    }

    @Test(arguments: [
        // Unchanged but for the final ".".
        ("Subject: x\r\n\r\nhi\r\n", "Subject: x\r\n\r\nhi\r\n.\r\n"),
        ("a.b\r\n .c\r\n", "a.b\r\n .c\r\n.\r\n"),
        // Dot-stuffing.
        (".first\r\nsecond\r\n", "..first\r\nsecond\r\n.\r\n"),
        ("first\r\n.middle\r\nlast\r\n", "first\r\n..middle\r\nlast\r\n.\r\n"),
        ("first\r\n.\r\nlast\r\n", "first\r\n..\r\nlast\r\n.\r\n"),
        (".\r\n", "..\r\n.\r\n"),
        ("a\r\n..\r\n...x\r\n", "a\r\n...\r\n....x\r\n.\r\n"),
        (".\r\n.\r\n.\r\n", "..\r\n..\r\n..\r\n.\r\n"),
        ("last line is a dot\r\n.", "last line is a dot\r\n..\r\n.\r\n"),
        (".", "..\r\n.\r\n"),
        // Bare LF and bare CR become CRLF.
        ("a\nb\n", "a\r\nb\r\n.\r\n"),
        ("a\rb\r", "a\r\nb\r\n.\r\n"),
        ("\n\n", "\r\n\r\n.\r\n"),
        ("\r\r", "\r\n\r\n.\r\n"),
        ("a\r\r\nb\n\rc", "a\r\n\r\nb\r\n\r\nc\r\n.\r\n"),
        ("a\n\r\nb", "a\r\n\r\nb\r\n.\r\n"),
        // ...and the lines they end are stuffed too.
        ("x\n.y\n", "x\r\n..y\r\n.\r\n"),
        ("x\r.y\r", "x\r\n..y\r\n.\r\n"),
        (".\n", "..\r\n.\r\n"),
        ("\r.", "\r\n..\r\n.\r\n"),
        ("\n.\n.", "\r\n..\r\n..\r\n.\r\n"),
        // A message not ending in CRLF gets one.
        ("hi", "hi\r\n.\r\n"),
        ("Subject: x\r\n\r\nno final line break", "Subject: x\r\n\r\nno final line break\r\n.\r\n"),
        // CRLF untouched, even in a row.
        ("\r\n\r\n\r\n", "\r\n\r\n\r\n.\r\n"),
        // Lines longer than the eight bytes read at a time.
        ("a long first line of text\r\n.and a stuffed one\r\n", "a long first line of text\r\n..and a stuffed one\r\n.\r\n"),
        ("exactly8\r\n.12345678\n.abcdefghij\rend of it", "exactly8\r\n..12345678\r\n..abcdefghij\r\nend of it\r\n.\r\n"),
        ("sixteen bytes...\n.", "sixteen bytes...\r\n..\r\n.\r\n"),
    ])
    func encodes(message: String, expected: String) {
        #expect(Self.encoded(message) == expected)
    }

    @Test func emptyMessageIsJustTheFinalDot() {
        let data = SMTPMessageData([UInt8]())
        #expect(Self.bytes(data) == Array(".\r\n".utf8))
        #expect(data.messageSize == 0)
    }

    @Test func messageSizeExcludesTheTerminator() {
        let data = SMTPMessageData(Array("Subject: x\r\n\r\nhi\r\n".utf8))
        #expect(data.messageSize == 18)
        #expect(data.buffer.readableBytes == 21)
    }

    @Test func messageSizeCountsWhatIsSentNotWhatWasGiven() {
        // Two stuffed dots, two bare LFs made CRLF and a final CRLF added: 7 + 2 + 2 + 2 octets.
        let data = SMTPMessageData(Array(".a\n.b\nc".utf8))
        #expect(Self.bytes(data) == Array("..a\r\n..b\r\nc\r\n.\r\n".utf8))
        #expect(data.messageSize == 13)
    }

    @Test func anyCollectionOfBytesWithItsOwnIndices() {
        // A slice whose indices do not start at 0, and a String's UTF-8 view (non-integer indices).
        let array = Array("0123456789.a\nb".utf8)
        let slice = array[10...]
        #expect(Self.bytes(SMTPMessageData(slice)) == Array("..a\r\nb\r\n.\r\n".utf8))
        #expect(Self.bytes(SMTPMessageData(".é\r\n.\r".utf8)) == Array("..é\r\n..\r\n.\r\n".utf8))
    }

    @Test func eightBitAndNULBytesPassThrough() {
        let message: [UInt8] = [0x00, 0xFF, 0x80, Self.cr, Self.lf, Self.dot, 0xC3, 0xA9, Self.cr, Self.lf]
        #expect(
            Self.bytes(SMTPMessageData(message)) == [
                0x00, 0xFF, 0x80, Self.cr, Self.lf, Self.dot, Self.dot, 0xC3, 0xA9, Self.cr, Self.lf, Self.dot, Self.cr, Self.lf,
            ])
    }

    @Test func largeMessageOfManyDotLines() {
        let message = Array(String(repeating: ".\n", count: 10_000).utf8)
        let data = SMTPMessageData(message)
        #expect(Self.bytes(data) == Array((String(repeating: "..\r\n", count: 10_000) + ".\r\n").utf8))
        #expect(data.messageSize == 40_000)
    }

    // MARK: - Randomized

    /// Random bytes, mostly the interesting ones: dots, CR, LF.
    static func randomMessage(_ generator: inout SeededGenerator) -> [UInt8] {
        let interesting: [UInt8] = [dot, dot, dot, cr, cr, lf, lf, UInt8(ascii: "a"), UInt8(ascii: " "), 0x00, 0xFF]
        let length = Int.random(in: 0...300, using: &generator)
        return (0..<length).map { _ in
            Int.random(in: 0..<5, using: &generator) == 0
                ? UInt8.random(in: 0...255, using: &generator)
                : interesting.randomElement(using: &generator)!
        }
    }

    /// The message with each of CRLF, bare CR and bare LF made CRLF, and a CRLF after an unended last line.
    static func normalised(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        var atLineStart = true
        while index < message.count {
            let byte = message[index]
            if byte == cr {
                output += [cr, lf]
                index += index + 1 < message.count && message[index + 1] == lf ? 2 : 1
                atLineStart = true
            } else if byte == lf {
                output += [cr, lf]
                index += 1
                atLineStart = true
            } else {
                output.append(byte)
                index += 1
                atLineStart = false
            }
        }
        if !atLineStart { output += [cr, lf] }
        return output
    }

    /// Splits `bytes` into CRLF-terminated lines (without the CRLF); `nil` when a CR or LF stands
    /// alone or the last line is unterminated.
    static func crlfLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == cr {
                guard index + 1 < bytes.endIndex, bytes[index + 1] == lf else { return nil }
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else if bytes[index] == lf {
                return nil
            } else {
                index += 1
            }
        }
        return start == bytes.endIndex ? lines : nil
    }

    @Test(arguments: 0..<400 as Range<UInt64>)
    func unstuffingGivesTheNormalisedMessage(seed: UInt64) throws {
        var generator = SeededGenerator(state: seed)
        let message = Self.randomMessage(&generator)
        let data = SMTPMessageData(message)
        let output = Self.bytes(data)

        // Ends with the terminator, and only the terminator is a lone ".".
        #expect(output.suffix(3) == [Self.dot, Self.cr, Self.lf], "seed \(seed)")
        let body = output.dropLast(3)
        #expect(data.messageSize == body.count, "seed \(seed)")
        let lines = try #require(Self.crlfLines(body), "seed \(seed): a bare CR or LF, or an unended line")
        for line in lines where line.first == Self.dot {
            #expect(line.dropFirst().first == Self.dot, "seed \(seed): a line starts with a single dot")
        }

        // Removing the stuffed dots gives back the message with its line endings made CRLF.
        var unstuffed: [UInt8] = []
        for line in lines {
            unstuffed += line.first == Self.dot ? line.dropFirst() : line
            unstuffed += [Self.cr, Self.lf]
        }
        #expect(unstuffed == Self.normalised(message), "seed \(seed)")
    }

    @Test func normalisationOracleIsRight() {
        // The test's own reference, checked on cases worked by hand.
        #expect(Self.normalised(Array("a\rb\nc\r\nd".utf8)) == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
        #expect(Self.normalised(Array("\r\r\n\n".utf8)) == Array("\r\n\r\n\r\n".utf8))
        #expect(Self.normalised([]) == [])
    }
}
