@testable import MailTimeSMTP
import NIOCore
import Testing

/// `SMTPReplyParser`: RFC 5321 §4.2 replies, read from whatever the server's bytes arrive as.
@Suite struct SMTPReplyParserTests {
    /// Feeds `chunks` one read at a time, like the channel handler, and returns every complete reply.
    static func parse(_ chunks: [[UInt8]]) throws(SMTPError) -> (replies: [SMTPReply], leftover: Int) {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer()
        var replies: [SMTPReply] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let reply = try parser.next(from: &buffer) {
                replies.append(reply)
            }
        }
        return (replies, buffer.readableBytes)
    }

    static func parse(_ wire: String) throws(SMTPError) -> [SMTPReply] {
        try parse([Array(wire.utf8)]).replies
    }

    static func status(_ statusClass: Int, _ subject: Int, _ detail: Int) -> EnhancedStatusCode {
        EnhancedStatusCode(statusClass: statusClass, subject: subject, detail: detail)
    }

    // MARK: - Well-formed replies

    @Test func singleLineReply() throws {
        let replies = try Self.parse("220 mx.example.net ESMTP Postfix\r\n")
        #expect(replies == [SMTPReply(code: 220, lines: ["mx.example.net ESMTP Postfix"])])
        #expect(replies.first?.text == "mx.example.net ESMTP Postfix")
        #expect(replies.first?.isPositiveCompletion == true)
    }

    @Test func codeWithoutText() throws {
        #expect(try Self.parse("250\r\n") == [SMTPReply(code: 250, lines: [""])])
        #expect(try Self.parse("354 \r\n") == [SMTPReply(code: 354, lines: [""])])
    }

    @Test func multilineReply() throws {
        let wire = "250-mx.example.net Hello client [192.0.2.1]\r\n250-SIZE 10240000\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
        let replies = try Self.parse(wire)
        #expect(
            replies == [
                SMTPReply(code: 250, lines: ["mx.example.net Hello client [192.0.2.1]", "SIZE 10240000", "PIPELINING", "STARTTLS"])
            ])
        #expect(replies.first?.text == "mx.example.net Hello client [192.0.2.1] SIZE 10240000 PIPELINING STARTTLS")
    }

    @Test func incompleteReplyWaitsForMoreBytes() throws {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer()
        #expect(!parser.hasPartialReply(in: buffer))

        buffer.writeString("250-first\r\n250-sec")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(parser.hasPartialReply(in: buffer))
        // The complete first line was consumed; the unfinished one stays in the buffer.
        #expect(buffer.readableBytes == 7)

        buffer.writeString("ond\r\n")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 0)
        #expect(parser.hasPartialReply(in: buffer), "two lines of a reply are read but not its last")

        buffer.writeString("250 third\r\n")
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 250, lines: ["first", "second", "third"]))
        #expect(!parser.hasPartialReply(in: buffer))
        #expect(try parser.next(from: &buffer) == nil)
    }

    @Test func lineWithoutItsLineFeedIsNotAReplyYet() throws {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: "250 ok\r")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(parser.hasPartialReply(in: buffer))
        buffer.writeString("\n")
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 250, lines: ["ok"]))
    }

    static let conversation = [
        "220-mx.example.net ESMTP\r\n220 no UCE\r\n",
        "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n",
        "250 2.1.0 Ok\r\n",
        "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Please try again.\r\n",
        "354 End data with <CR><LF>.<CR><LF>\r\n",
        "250 2.0.0 Ok: queued as 4XyZ\r\n",
    ].joined()

    static let conversationReplies = [
        SMTPReply(code: 220, lines: ["mx.example.net ESMTP", "no UCE"]),
        SMTPReply(code: 250, lines: ["mx.example.net", "PIPELINING", "SIZE 35882577", "ENHANCEDSTATUSCODES", "8BITMIME"]),
        SMTPReply(code: 250, enhancedStatusCode: status(2, 1, 0), lines: ["Ok"]),
        SMTPReply(
            code: 550, enhancedStatusCode: status(5, 1, 1),
            lines: ["The email account that you tried to reach does not exist.", "Please try again."]
        ),
        SMTPReply(code: 354, lines: ["End data with <CR><LF>.<CR><LF>"]),
        SMTPReply(code: 250, enhancedStatusCode: status(2, 0, 0), lines: ["Ok: queued as 4XyZ"]),
    ]

    @Test func severalRepliesInOneRead() throws {
        let result = try Self.parse([Array(Self.conversation.utf8)])
        #expect(result.replies == Self.conversationReplies)
        #expect(result.leftover == 0)
    }

    @Test func splitAcrossTwoReadsAtEveryByteBoundary() throws {
        let bytes = Array(Self.conversation.utf8)
        for split in 0...bytes.count {
            let result = try Self.parse([Array(bytes[..<split]), Array(bytes[split...])])
            #expect(result.replies == Self.conversationReplies, "split at \(split)")
            #expect(result.leftover == 0, "split at \(split)")
        }
    }

    @Test func splitAcrossThreeReadsAtManyBoundaries() throws {
        let bytes = Array(Self.conversation.utf8)
        for first in stride(from: 0, through: bytes.count, by: 7) {
            for second in stride(from: first, through: bytes.count, by: 11) {
                let chunks = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                let result = try Self.parse(chunks)
                #expect(result.replies == Self.conversationReplies, "split at \(first) and \(second)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let result = try Self.parse(Self.conversation.utf8.map { [$0] })
        #expect(result.replies == Self.conversationReplies)
        #expect(result.leftover == 0)
    }

    @Test func repliesReturnedOneByOneAsTheyComplete() throws {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n250 ")
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 250, enhancedStatusCode: Self.status(2, 1, 0), lines: ["Ok"]))
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 250, enhancedStatusCode: Self.status(2, 1, 5), lines: ["Ok"]))
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 354, lines: ["go ahead"]))
        #expect(try parser.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 4)
    }

    @Test func lineFeedOnlyLineEndings() throws {
        let replies = try Self.parse("220 mx.example.net\n250-mx.example.net\n250 PIPELINING\n")
        #expect(
            replies == [
                SMTPReply(code: 220, lines: ["mx.example.net"]),
                SMTPReply(code: 250, lines: ["mx.example.net", "PIPELINING"]),
            ])
    }

    @Test func mixedLineEndingsInOneReply() throws {
        let replies = try Self.parse("250-first\n250-second\r\n250 third\n")
        #expect(replies == [SMTPReply(code: 250, lines: ["first", "second", "third"])])
    }

    @Test func lineFeedOnlySplitAtEveryBoundary() throws {
        let wire = Array("250-a.example\n250-SIZE 100\n250 STARTTLS\n451 4.3.0 try later\n".utf8)
        let expected = [
            SMTPReply(code: 250, lines: ["a.example", "SIZE 100", "STARTTLS"]),
            SMTPReply(code: 451, enhancedStatusCode: Self.status(4, 3, 0), lines: ["try later"]),
        ]
        for split in 0...wire.count {
            #expect(try Self.parse([Array(wire[..<split]), Array(wire[split...])]).replies == expected, "split at \(split)")
        }
    }

    // MARK: - Enhanced status codes

    @Test func enhancedStatusCodeTakenOffEveryLine() throws {
        let replies = try Self.parse(
            "550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized\r\n"
                + "550-5.7.1 to send email directly to our servers. Please use\r\n"
                + "550 5.7.1 the SMTP relay at your service provider instead.\r\n"
        )
        #expect(
            replies == [
                SMTPReply(
                    code: 550, enhancedStatusCode: Self.status(5, 7, 1),
                    lines: [
                        "[192.0.2.1] The IP you're using to send mail is not authorized",
                        "to send email directly to our servers. Please use",
                        "the SMTP relay at your service provider instead.",
                    ]
                )
            ])
        #expect(
            replies.first?.description
                == "550 5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send email directly to our servers. Please use the SMTP relay at your service provider instead."
        )
    }

    @Test(arguments: [
        ("250 2.1.5 Ok\r\n", SMTPReply(code: 250, enhancedStatusCode: SMTPReplyParserTests.status(2, 1, 5), lines: ["Ok"])),
        (
            "451 4.7.1 Please try again later\r\n",
            SMTPReply(code: 451, enhancedStatusCode: SMTPReplyParserTests.status(4, 7, 1), lines: ["Please try again later"])
        ),
        (
            "535 5.7.8 Authentication credentials invalid\r\n",
            SMTPReply(code: 535, enhancedStatusCode: SMTPReplyParserTests.status(5, 7, 8), lines: ["Authentication credentials invalid"])
        ),
        (
            "538 5.7.11 Encryption required\r\n",
            SMTPReply(code: 538, enhancedStatusCode: SMTPReplyParserTests.status(5, 7, 11), lines: ["Encryption required"])
        ),
        (
            "554 5.3.104 odd but three digits\r\n",
            SMTPReply(code: 554, enhancedStatusCode: SMTPReplyParserTests.status(5, 3, 104), lines: ["odd but three digits"])
        ),
        ("250 2.0.0\r\n", SMTPReply(code: 250, enhancedStatusCode: SMTPReplyParserTests.status(2, 0, 0), lines: [""])),
        ("250 2.0.0   spaced\r\n", SMTPReply(code: 250, enhancedStatusCode: SMTPReplyParserTests.status(2, 0, 0), lines: ["spaced"])),
    ])
    func enhancedStatusCodeRead(wire: String, expected: SMTPReply) throws {
        #expect(try Self.parse(wire) == [expected])
    }

    @Test(arguments: [
        // The class does not match the reply code: it is text, not a status code.
        "250 5.1.1 looks like an error\r\n",
        "550 2.0.0 looks like a success\r\n",
        "550 4.7.1 transient class on a permanent reply\r\n",
        // Not c.s.d.
        "250 2.1 Ok\r\n",
        "250 2.1.0.1 Ok\r\n",
        "250 20.1.0 Ok\r\n",
        "250 3.1.0 Ok\r\n",
        "554 5.1.1234 Ok\r\n",
        "250 2..0 Ok\r\n",
        "250 2.1.x Ok\r\n",
        "250 2.1.5Ok\r\n",
        "220 mx.example.net ESMTP\r\n",
    ])
    func noEnhancedStatusCode(wire: String) throws {
        let replies = try Self.parse(wire)
        let text = String(decoding: Array(wire.utf8).dropFirst(4).dropLast(2), as: UTF8.self)
        #expect(replies == [SMTPReply(code: Int(wire.prefix(3))!, lines: [text])])
    }

    @Test func enhancedStatusCodeNotOnTheFirstLineIsNotTaken() throws {
        let replies = try Self.parse("250-mx.example.net\r\n250 2.0.0 Ok\r\n")
        #expect(replies == [SMTPReply(code: 250, lines: ["mx.example.net", "2.0.0 Ok"])])
    }

    @Test func onlyTheFirstLinesCodeIsTakenOff() throws {
        // A later line with a different code keeps it as text.
        let replies = try Self.parse("550-5.1.1 first\r\n550 5.2.2 second\r\n")
        #expect(replies == [SMTPReply(code: 550, enhancedStatusCode: Self.status(5, 1, 1), lines: ["first", "5.2.2 second"])])
    }

    @Test func aLongerCodeOnALaterLineIsNotCutInHalf() throws {
        // `5.1.10` is a different code from `5.1.1`; taking `5.1.1` off it would leave "0 second".
        let replies = try Self.parse("550-5.1.1 first\r\n550 5.1.10 second\r\n")
        #expect(replies == [SMTPReply(code: 550, enhancedStatusCode: Self.status(5, 1, 1), lines: ["first", "5.1.10 second"])])
    }

    // MARK: - Malformed replies

    @Test(arguments: [
        "hello world\r\n",  // no code
        "\r\n",  // empty line
        "25\r\n",  // too short
        "2 5 0 ok\r\n",
        "25a ok\r\n",
        "ESMTP ready\r\n",
        " 250 ok\r\n",  // leading space
        "199 too low\r\n",  // out of range
        "099 too low\r\n",
        "600 too high\r\n",
        "999 too high\r\n",
        "000 zero\r\n",
        "250:ok\r\n",  // wrong separator
        "250_ok\r\n",
        "250\tok\r\n",
        "2500 ok\r\n",
        "250ok\r\n",
        "250-first\r\n251 second\r\n",  // a multiline reply changing its code
        "250-first\r\n550 second\r\n",
        "250-first\r\n250-second\r\n220 third\r\n",
        "250-first\r\nnot a reply\r\n",
        "SSH-2.0-OpenSSH_9.6\r\n",
        "HTTP/1.1 400 Bad Request\r\n",
    ])
    func malformedLineIsAProtocolViolation(wire: String) {
        let error = #expect(throws: SMTPError.self) { try Self.parse(wire) }
        #expect(error?.code == .protocolViolation)
    }

    @Test func malformedLineAfterAGoodReplyThrowsWhenReached() throws {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: "250 ok\r\nbogus\r\n")
        #expect(try parser.next(from: &buffer) == SMTPReply(code: 250, lines: ["ok"]))
        let error = #expect(throws: SMTPError.self) { try parser.next(from: &buffer) }
        #expect(error?.code == .protocolViolation)
    }

    @Test func codeChangeSplitAcrossReadsIsAProtocolViolation() {
        let error = #expect(throws: SMTPError.self) {
            try Self.parse([Array("250-first\r\n".utf8), Array("450 second\r\n".utf8)])
        }
        #expect(error?.code == .protocolViolation)
    }

    // MARK: - Limits

    @Test func lineOfTheMaximumLengthIsAccepted() throws {
        // The whole line, CRLF included, is exactly the limit.
        let text = String(repeating: "x", count: SMTPReplyParser.maximumLineLength - 6)
        let wire = "250 \(text)\r\n"
        #expect(wire.utf8.count == SMTPReplyParser.maximumLineLength)
        #expect(try Self.parse(wire) == [SMTPReply(code: 250, lines: [text])])
    }

    @Test func overLongLineIsAProtocolViolation() {
        let text = String(repeating: "x", count: SMTPReplyParser.maximumLineLength + 1)
        let error = #expect(throws: SMTPError.self) { try Self.parse("250 \(text)\r\n") }
        #expect(error?.code == .protocolViolation)
    }

    @Test func overLongLineWithoutItsEndIsRefusedBeforeItEnds() {
        // A server that never ends its line must not make the client buffer forever.
        let text = String(repeating: "x", count: SMTPReplyParser.maximumLineLength + 10)
        let error = #expect(throws: SMTPError.self) { try Self.parse("250 \(text)") }
        #expect(error?.code == .protocolViolation)
    }

    @Test func overLongLineArrivingInSmallReadsIsRefused() {
        let bytes = Array("250 \(String(repeating: "y", count: 2 * SMTPReplyParser.maximumLineLength))".utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 100).map { Array(bytes[$0..<min($0 + 100, bytes.count)]) }
        let error = #expect(throws: SMTPError.self) { try Self.parse(chunks) }
        #expect(error?.code == .protocolViolation)
    }

    static func reply(lineCount: Int) -> String {
        (0..<(lineCount - 1)).map { "250-EXTENSION\($0)\r\n" }.joined() + "250 LAST\r\n"
    }

    @Test func replyWithTheMaximumNumberOfLinesIsAccepted() throws {
        let replies = try Self.parse(Self.reply(lineCount: SMTPReplyParser.maximumLineCount))
        #expect(replies.count == 1)
        #expect(replies.first?.lines.count == SMTPReplyParser.maximumLineCount)
        #expect(replies.first?.lines.first == "EXTENSION0")
        #expect(replies.first?.lines.last == "LAST")
    }

    @Test func replyWithTooManyLinesIsAProtocolViolation() {
        let error = #expect(throws: SMTPError.self) { try Self.parse(Self.reply(lineCount: SMTPReplyParser.maximumLineCount + 1)) }
        #expect(error?.code == .protocolViolation)
    }

    @Test func endlessContinuationLinesAreRefusedBeforeTheReplyEnds() {
        let wire = String(repeating: "250-more\r\n", count: SMTPReplyParser.maximumLineCount * 2)
        let error = #expect(throws: SMTPError.self) { try Self.parse(wire) }
        #expect(error?.code == .protocolViolation)
    }

    @Test func limitsAreAboutOneReplyNotTheWholeRead() throws {
        // Many short replies in one read are fine, however many lines they add up to.
        let count = SMTPReplyParser.maximumLineCount * 3
        let wire = String(repeating: "250 2.1.5 Ok\r\n", count: count)
        let replies = try Self.parse(wire)
        #expect(replies.count == count)
        #expect(replies.allSatisfy { $0 == SMTPReply(code: 250, enhancedStatusCode: Self.status(2, 1, 5), lines: ["Ok"]) })
    }
}
