import MailTimeSMTP
import NIOCore
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server state machine: DATA and BDAT")
struct SMTPServerMessageTests {
    private static let envelope = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"

    /// A session in DATA, after its 354.
    private static func inData(mail: String = "MAIL FROM:<a@example.com>", maximumMessageSize: Int = 10_000) -> SMTPServerTestDriver {
        var driver = SMTPServerTestDriver.ready(configuration: SMTPServerTestDriver.configuration(maximumMessageSize: maximumMessageSize))
        _ = driver.send("\(mail)\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
        return driver
    }

    @Test("DATA undoes dot-stuffing and keeps the message exactly, ended by CRLF; the verdict is the final reply")
    func dotUnstuffing() throws {
        var driver = Self.inData()
        #expect(driver.send("Subject: hi\r\n\r\n..leading dot\r\n.\r\n") == ["<deliver>", "<await result>"])
        #expect(try #require(driver.delivered.first).message.text == "Subject: hi\r\n\r\n.leading dot\r\n")
        driver.machine.deliveryCompleted(.refused(SMTPServerReply(451, (4, 3, 0), "storage trouble")))
        #expect(driver.drain() == ["451 4.3.0 storage trouble", "<await input>"])
        #expect(driver.replies("RCPT TO:<b@example.com>\r\n") == ["503 5.5.1 Need MAIL command"])
    }

    @Test("the final dot split over reads, byte by byte, and commands pipelined after it wait for the verdict")
    func splitEnd() throws {
        var driver = Self.inData()
        #expect(driver.sendByteByByte("line one\r\n.\r") == ["<await input>"])
        #expect(driver.send("\nNOOP\r\n") == ["<deliver>", "<await result>"])
        #expect(try #require(driver.delivered.first).message.text == "line one\r\n")
        driver.machine.deliveryCompleted(.accepted(id: "01J"))
        #expect(driver.drain() == ["250 2.0.0 01J queued", "250 2.0.0 OK", "<await input>"])
    }

    @Test("a message over the maximum size is read to its end, refused 552 5.3.4 and nothing is handed out")
    func oversized() {
        var driver = Self.inData(maximumMessageSize: 20)
        #expect(driver.send("0123456789\r\n0123456789\r\n") == ["<await input>"])
        #expect(driver.send("more\r\n.\r\n") == ["552 5.3.4 Message size exceeds fixed maximum message size", "<await input>"])
        #expect(driver.delivered.isEmpty)
        // Exactly the maximum, counted after unstuffing, is taken.
        var exact = Self.inData(maximumMessageSize: 20)
        #expect(exact.send("..23456789\r\n0123456\r\n.\r\n") == ["<deliver>", "<await result>"])
    }

    @Test("a message line of 1,000 octets with its CRLF is taken; 1,001 fails the message with 500 5.5.2 at the end")
    func longLine() {
        var driver = Self.inData()
        #expect(driver.send(String(repeating: "a", count: 998) + "\r\n.\r\n") == ["<deliver>", "<await result>"])
        var long = Self.inData()
        #expect(long.send(String(repeating: "a", count: 999) + "\r\n") == ["<await input>"])
        #expect(long.send(".\r\n") == ["500 5.5.2 Message has a line longer than 1000 octets", "<await input>"])
        #expect(long.delivered.isEmpty)
    }

    @Test("a bare LF or bare CR in the message refuses it with 554 5.6.0; LF.CRLF does not end DATA")
    func bareLineEndings() {
        var bareLF = Self.inData()
        #expect(bareLF.send("one\n.\r\n") == ["<await input>"])
        #expect(bareLF.send("two\r\n.\r\n") == ["554 5.6.0 Message has a bare CR or LF (RFC 5321 section 2.3.8)", "<await input>"])
        var bareCR = Self.inData()
        #expect(bareCR.send("one\rtwo\r\n.\r\n") == ["554 5.6.0 Message has a bare CR or LF (RFC 5321 section 2.3.8)", "<await input>"])
        // A smuggling attempt: the "\n.\n" and what follows it stay inside the one refused message.
        var smuggle = Self.inData()
        #expect(smuggle.send("a\n.\nMAIL FROM:<x@example.com>\n") == ["<await input>"])
        #expect(smuggle.delivered.isEmpty)
    }

    @Test("a NUL refuses the message with 554 5.6.0, whatever the body type")
    func nul() {
        var driver = Self.inData(mail: "MAIL FROM:<a@example.com> BODY=8BITMIME")
        #expect(driver.send(bytes: Array("a".utf8) + [0] + Array("b\r\n.\r\n".utf8)) == ["554 5.6.0 Message has a NUL octet", "<await input>"])
    }

    @Test("8-bit octets need BODY=8BITMIME or SMTPUTF8, else 554 5.6.0")
    func eightBit() {
        var sevenBit = Self.inData()
        #expect(sevenBit.send("caf\u{E9}\r\n.\r\n") == ["554 5.6.0 Message has 8-bit octets; send MAIL with BODY=8BITMIME", "<await input>"])
        var eightBit = Self.inData(mail: "MAIL FROM:<a@example.com> BODY=8BITMIME")
        #expect(eightBit.send("caf\u{E9}\r\n.\r\n") == ["<deliver>", "<await result>"])
        var utf8 = Self.inData(mail: "MAIL FROM:<a@example.com> SMTPUTF8")
        #expect(utf8.send("caf\u{E9}\r\n.\r\n") == ["<deliver>", "<await result>"])
    }

    @Test("DATA errors: no MAIL, no recipient, an argument, data pipelined before the 354")
    func dataErrors() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.replies("DATA\r\n") == ["503 5.5.1 Need MAIL command"])
        _ = driver.send("MAIL FROM:<a@example.com>\r\n")
        #expect(driver.replies("DATA\r\n") == ["554 5.5.1 No valid recipients"])
        _ = driver.send("RCPT TO:<b@example.com>\r\n")
        #expect(driver.replies("DATA now\r\n") == ["501 5.5.4 Syntax: DATA"])
        #expect(
            driver.send("DATA\r\nSubject: early\r\n\r\nbody\r\n.\r\n") == [
                "554 5.5.0 Improper pipelining: data sent before the 354 reply, closing connection", "<close>", "<await result>",
            ]
        )
        #expect(driver.delivered.isEmpty)
    }

    @Test("BDAT chunks are counted, not unstuffed, and the last one delivers; a missing final CRLF is added")
    func chunks() throws {
        var driver = SMTPServerTestDriver.ready()
        #expect(
            driver.send(Self.envelope + "BDAT 5\r\n.a\r\nbBDAT 4 LAST\r\nc\r\nd") == [
                "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.0.0 5 octets received", "<deliver>", "<await result>",
            ]
        )
        #expect(try #require(driver.delivered.first).message.text == ".a\r\nbc\r\nd\r\n")
        driver.machine.deliveryCompleted(.accepted(id: "x"))
        #expect(driver.drain() == ["250 2.0.0 x queued", "<await input>"])
    }

    @Test("a BDAT chunk split over many reads, and BDAT 0 LAST")
    func chunkAcrossReads() throws {
        var driver = SMTPServerTestDriver.ready()
        _ = driver.send(Self.envelope)
        #expect(driver.sendByteByByte("BDAT 4\r\nab\r\n") == ["250 2.0.0 4 octets received", "<await input>"])
        #expect(driver.replies("BDAT 0 last\r\n") == ["<deliver>"])
        #expect(try #require(driver.delivered.first).message.text == "ab\r\n")
    }

    @Test("BDAT errors: the chunk is consumed, then 503 5.5.1 or 554 5.5.1; DATA and RCPT after BDAT are 503")
    func chunkErrors() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.replies("BDAT 6\r\nNOOP\r\nNOOP\r\n") == ["503 5.5.1 Need MAIL command", "250 2.0.0 OK"])
        #expect(driver.replies("BDAT x\r\n") == ["501 5.5.4 Syntax: BDAT <octets> [LAST]"])
        #expect(driver.replies("BDAT 1 FIRST\r\n") == ["501 5.5.4 Syntax: BDAT <octets> [LAST]"])
        _ = driver.send("MAIL FROM:<a@example.com>\r\n")
        #expect(driver.replies("BDAT 2 LAST\r\nab") == ["554 5.5.1 No valid recipients"])
        _ = driver.send("RCPT TO:<b@example.com>\r\nBDAT 2\r\nab")
        #expect(driver.replies("DATA\r\n") == ["503 5.5.1 DATA not allowed after BDAT"])
        #expect(driver.replies("RCPT TO:<c@example.com>\r\n") == ["503 5.5.1 RCPT not allowed after BDAT"])
        #expect(driver.delivered.isEmpty)
    }

    @Test("a BDAT message growing past the maximum is refused 552 5.3.4 at that chunk and the transaction ends")
    func chunkOversized() {
        var driver = SMTPServerTestDriver.ready(configuration: SMTPServerTestDriver.configuration(maximumMessageSize: 8))
        _ = driver.send(Self.envelope)
        #expect(driver.replies("BDAT 6\r\nabcdef") == ["250 2.0.0 6 octets received"])
        #expect(
            driver.replies("BDAT 6\r\nghijklBDAT 1 LAST\r\nm") == [
                "552 5.3.4 Message size exceeds fixed maximum message size", "503 5.5.1 Need MAIL command",
            ]
        )
        #expect(driver.delivered.isEmpty)
    }

    @Test("BDAT content has the DATA checks: bare LF, 8-bit without BODY=8BITMIME, a trailing bare CR")
    func chunkContentChecks() {
        var driver = SMTPServerTestDriver.ready()
        _ = driver.send(Self.envelope)
        #expect(driver.replies("BDAT 4 LAST\r\na\nb\n") == ["554 5.6.0 Message has a bare CR or LF (RFC 5321 section 2.3.8)"])
        _ = driver.send(Self.envelope)
        #expect(driver.replies("BDAT 2 LAST\r\na\r") == ["554 5.6.0 Message has a bare CR or LF (RFC 5321 section 2.3.8)"])
        _ = driver.send(Self.envelope)
        #expect(driver.replies("BDAT 4 LAST\r\n\u{E9}\r\n") == ["554 5.6.0 Message has 8-bit octets; send MAIL with BODY=8BITMIME"])
    }
}
