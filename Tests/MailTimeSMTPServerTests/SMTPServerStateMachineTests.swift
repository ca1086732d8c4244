import MailTimeSMTP
import NIOCore
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server state machine: session")
struct SMTPServerSessionTests {
    @Test("the greeting, then EHLO lists the extensions; STARTTLS only outside TLS, AUTH only inside")
    func greetingAndEHLO() {
        var driver = SMTPServerTestDriver()
        #expect(driver.drain() == ["220 mx.test ESMTP MailTime", "<await input>"])
        #expect(
            driver.send("EHLO client.test\r\n") == [
                "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n"
                    + "250-CHUNKING\r\n250 STARTTLS",
                "<await input>",
            ]
        )
        #expect(driver.machine.session.heloName == "client.test")

        var tls = SMTPServerTestDriver(isTLS: true)
        _ = tls.drain()
        let reply = tls.replies("ehlo client.test\r\n")
        #expect(reply.count == 1)
        #expect(reply[0].hasSuffix("250-CHUNKING\r\n250 AUTH PLAIN LOGIN"))

        var noTLS = SMTPServerTestDriver(isTLSAvailable: false)
        _ = noTLS.drain()
        #expect(noTLS.replies("EHLO a\r\n")[0].hasSuffix("250 CHUNKING"))
    }

    @Test("HELO answers one line and allows no MAIL parameters; EHLO without a name is a syntax error")
    func helo() {
        var driver = SMTPServerTestDriver(isTrusted: true)
        _ = driver.drain()
        #expect(driver.replies("HELO\r\n") == ["501 5.5.4 Syntax: HELO hostname"])
        #expect(driver.replies("EHLO   \r\n") == ["501 5.5.4 Syntax: EHLO hostname"])
        #expect(driver.replies("HELO client.test\r\n") == ["250 mx.test"])
        #expect(driver.replies("MAIL FROM:<a@example.com> BODY=8BITMIME\r\n") == ["555 5.5.4 Unsupported parameter BODY"])
        #expect(driver.replies("MAIL FROM:<a@example.com>\r\n") == ["250 2.1.0 Sender OK"])
    }

    @Test("a session refused at the start gets the refusal and a close, and reads nothing")
    func refusal() {
        var driver = SMTPServerTestDriver(refusal: SMTPServerReply(421, (4, 3, 2), "Too many connections"))
        #expect(driver.drain() == ["421 4.3.2 Too many connections", "<close>", "<await result>"])
        #expect(driver.send("EHLO a\r\n") == ["<await result>"])
        #expect(driver.machine.isClosed)
    }

    @Test("NOOP, RSET, VRFY, HELP, QUIT and an unknown command")
    func simpleCommands() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.replies("NOOP\r\n") == ["250 2.0.0 OK"])
        #expect(driver.replies("noop anything\r\n") == ["250 2.0.0 OK"])
        #expect(driver.replies("RSET\r\n") == ["250 2.0.0 OK"])
        #expect(driver.replies("RSET x\r\n") == ["501 5.5.4 Syntax: RSET"])
        #expect(driver.replies("VRFY ann\r\n") == ["252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery"])
        #expect(driver.replies("VRFY\r\n") == ["501 5.5.4 Syntax: VRFY address"])
        #expect(driver.replies("HELP\r\n") == ["214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP"])
        #expect(driver.replies("EXPN list\r\n") == ["500 5.5.1 Command unrecognized"])
        #expect(driver.replies("\r\n") == ["500 5.5.1 Command unrecognized"])
        #expect(driver.send("QUIT\r\nNOOP\r\n") == ["221 2.0.0 mx.test closing connection", "<close>", "<await result>"])
    }

    @Test("pipelined commands are answered in order, all in one batch")
    func pipelining() {
        var driver = SMTPServerTestDriver.ready()
        #expect(
            driver.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n") == [
                "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK",
                "354 End data with <CR><LF>.<CR><LF>", "<await input>",
            ]
        )
    }

    @Test("a command split over many reads is answered once it is complete")
    func byteByByte() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.sendByteByByte("MAIL FROM:<a@example.com>\r\nNOOP\r\n") == ["250 2.1.0 Sender OK", "250 2.0.0 OK", "<await input>"])
    }

    @Test("the timeout is the command one while waiting for commands, the data one in DATA and BDAT, none while the delegate works")
    func timeouts() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.machine.timeout == .command)
        _ = driver.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
        #expect(driver.machine.timeout == .data)
        #expect(driver.send("Hi\r\n.\r\n") == ["<deliver>", "<await result>"])
        #expect(driver.machine.timeout == nil)
        driver.machine.deliveryCompleted(.accepted(id: "q1"))
        #expect(driver.drain() == ["250 2.0.0 q1 queued", "<await input>"])
        _ = driver.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT 10\r\nabc")
        #expect(driver.machine.timeout == .data)
        driver.machine.timedOut()
        #expect(driver.drain() == ["421 4.4.2 mx.test Timeout, closing connection", "<close>", "<await result>"])
        #expect(driver.machine.timeout == nil)
        #expect(driver.delivered.count == 1)
    }

    @Test("quiescing closes an idle session with 421 4.3.2 and lets a transaction finish first")
    func quiescing() {
        var idle = SMTPServerTestDriver.ready()
        idle.machine.quiesce()
        #expect(idle.drain() == ["421 4.3.2 mx.test Service shutting down, closing connection", "<close>", "<await result>"])

        var busy = SMTPServerTestDriver.ready()
        _ = busy.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n")
        busy.machine.quiesce()
        #expect(busy.drain() == ["<await input>"])
        #expect(busy.send("DATA\r\n") == ["354 End data with <CR><LF>.<CR><LF>", "<await input>"])
        #expect(busy.send("x\r\n.\r\n") == ["<deliver>", "<await result>"])
        busy.machine.deliveryCompleted(.accepted(id: "q"))
        #expect(busy.drain() == ["250 2.0.0 q queued", "421 4.3.2 mx.test Service shutting down, closing connection", "<close>", "<await result>"])
    }

    @Test("the error that reaches the limit is answered 421 4.7.0 and closes; good commands do not count")
    func errorLimit() {
        var driver = SMTPServerTestDriver(configuration: SMTPServerTestDriver.configuration(maximumErrors: 3), isTrusted: true)
        _ = driver.drain()
        #expect(
            driver.replies("BOGUS\r\nNOOP\r\nMAIL FROM:<a@example.com>\r\n") == [
                "500 5.5.1 Command unrecognized", "250 2.0.0 OK", "503 5.5.1 Send EHLO first",
            ])
        #expect(
            driver.send("RCPT TO:<b@example.com>\r\nNOOP\r\n") == [
                "421 4.7.0 mx.test Too many errors, closing connection", "<close>", "<await result>",
            ])
    }
}

@Suite("SMTP server state machine: line framing")
struct SMTPServerLineTests {
    @Test("a command line of 512 octets with its CRLF is taken; 513 is refused 500 5.5.2 and dropped")
    func commandLineLimit() {
        var driver = SMTPServerTestDriver.ready()
        let longest = "NOOP " + String(repeating: "x", count: 512 - 7)
        #expect(driver.replies(longest + "\r\n") == ["250 2.0.0 OK"])
        #expect(driver.replies(longest + "x\r\nNOOP\r\n") == ["500 5.5.2 Line too long", "250 2.0.0 OK"])
    }

    @Test("a line longer than any limit is dropped as it arrives and answered once when it ends")
    func hugeLine() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.send(String(repeating: "y", count: 20_000)) == ["<await input>"])
        #expect(driver.machine.buffer.readableBytes < 20_000)
        #expect(driver.replies(String(repeating: "y", count: 100) + "\r\nNOOP\r\n") == ["500 5.5.2 Line too long", "250 2.0.0 OK"])
    }

    @Test("a bare LF or a bare CR in a command line is refused 500 5.5.2")
    func bareLineEndings() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.replies("NOOP\n") == ["500 5.5.2 Bare CR or LF not allowed in a command line"])
        #expect(driver.replies("NO\rOP\r\n") == ["500 5.5.2 Bare CR or LF not allowed in a command line"])
        #expect(driver.replies("NOOP\r\n") == ["250 2.0.0 OK"])
    }

    @Test("a command line that is not UTF-8 is refused 500 5.5.2")
    func invalidUTF8() {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.send(bytes: Array("NOOP ".utf8) + [0xFF, 0x0D, 0x0A]) == ["500 5.5.2 Invalid UTF-8 in the command line", "<await input>"])
    }
}
