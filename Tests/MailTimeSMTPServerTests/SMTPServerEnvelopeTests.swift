import MailTimeSMTP
import NIOCore
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server state machine: MAIL and RCPT")
struct SMTPServerEnvelopeTests {
    @Test("MAIL takes SIZE, BODY, SMTPUTF8 and AUTH=<>, and hands them out with the transaction")
    func mailParameters() throws {
        var driver = SMTPServerTestDriver.ready()
        #expect(driver.replies("MAIL FROM:<ann@example.com> SIZE=100 BODY=8BITMIME SMTPUTF8 AUTH=<>\r\n") == ["250 2.1.0 Sender OK"])
        #expect(driver.replies("RCPT TO:<bøb@exämple.com>\r\nDATA\r\n") == ["250 2.1.5 Recipient OK", "354 End data with <CR><LF>.<CR><LF>"])
        #expect(driver.send("Hi\r\n.\r\n") == ["<deliver>", "<await result>"])
        let transaction = try #require(driver.delivered.first)
        #expect(transaction.reversePath == "ann@example.com")
        #expect(transaction.recipients == ["bøb@exämple.com"])
        #expect(transaction.declaredSize == 100)
        #expect(transaction.bodyType == .eightBitMIME)
        #expect(transaction.isSMTPUTF8)
        #expect(transaction.message.text == "Hi\r\n")
    }

    @Test("the null sender, a space after the colon, a source route and a quoted local part")
    func paths() throws {
        var driver = SMTPServerTestDriver.ready()
        #expect(
            driver.replies("MAIL FROM:<>\r\nRCPT TO: <@relay.test,@other.test:carl@example.org>\r\n") == [
                "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK",
            ])
        #expect(driver.replies("RCPT TO:<\"odd>name\"@example.org>\r\nDATA\r\n").count == 2)
        _ = driver.send(".\r\n")
        let transaction = try #require(driver.delivered.first)
        #expect(transaction.reversePath == "")
        #expect(transaction.recipients == ["carl@example.org", "\"odd>name\"@example.org"])
        #expect(transaction.bodyType == .sevenBit)
        #expect(!transaction.isSMTPUTF8)
        #expect(transaction.declaredSize == nil)
        #expect(transaction.message.readableBytes == 0)
    }

    @Test("MAIL errors: sequence, syntax, bad address, parameters, size, non-ASCII without SMTPUTF8")
    func mailErrors() {
        var fresh = SMTPServerTestDriver(isTrusted: true)
        _ = fresh.drain()
        #expect(fresh.replies("MAIL FROM:<a@example.com>\r\n") == ["503 5.5.1 Send EHLO first"])

        var driver = SMTPServerTestDriver(configuration: SMTPServerTestDriver.configuration(maximumErrors: 100), isTrusted: true)
        _ = driver.drain()
        _ = driver.send("EHLO c\r\n")
        #expect(driver.replies("MAIL TO:<a@example.com>\r\n") == ["501 5.5.4 Syntax: MAIL FROM:<address> [parameters]"])
        #expect(driver.replies("MAIL FROM:a@example.com\r\n") == ["501 5.5.4 Syntax: MAIL FROM:<address> [parameters]"])
        #expect(driver.replies("MAIL FROM:<a@example.com\r\n") == ["501 5.5.4 Syntax: MAIL FROM:<address> [parameters]"])
        #expect(driver.replies("MAIL FROM:<a@example.com>SIZE=1\r\n") == ["501 5.5.4 Syntax: MAIL FROM:<address> [parameters]"])
        #expect(driver.replies("MAIL FROM:<not an address>\r\n") == ["501 5.1.7 Bad sender address syntax"])
        #expect(driver.replies("MAIL FROM:<a@example.com> SIZE=abc\r\n") == ["501 5.5.4 Syntax: SIZE=<octets>"])
        #expect(driver.replies("MAIL FROM:<a@example.com> SIZE=10001\r\n") == ["552 5.3.4 Message size exceeds fixed maximum message size"])
        #expect(driver.replies("MAIL FROM:<a@example.com> BODY=BINARYMIME\r\n") == ["501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME"])
        #expect(driver.replies("MAIL FROM:<a@example.com> SMTPUTF8=yes\r\n") == ["501 5.5.4 Syntax: SMTPUTF8 takes no value"])
        #expect(driver.replies("MAIL FROM:<a@example.com> RET=HDRS\r\n") == ["555 5.5.4 Unsupported parameter RET"])
        #expect(driver.replies("MAIL FROM:<a@example.com> SIZE=1 size=2\r\n") == ["501 5.5.4 Duplicate parameter SIZE"])
        // A parameter name shown in a reply is cut at 64 characters: the reply line stays within 512 octets.
        let long = String(repeating: "P", count: 480)
        #expect(driver.replies("MAIL FROM:<a@example.com> \(long)\r\n") == ["555 5.5.4 Unsupported parameter \(long.prefix(64))"])
        #expect(driver.replies("MAIL FROM:<ånn@example.com>\r\n") == ["553 5.6.7 Non-ASCII address requires SMTPUTF8"])
        #expect(driver.replies("MAIL FROM:<a@example.com> SIZE=10000\r\n") == ["250 2.1.0 Sender OK"])
        #expect(driver.replies("MAIL FROM:<a@example.com>\r\n") == ["503 5.5.1 Nested MAIL command"])
    }

    @Test("RCPT errors: no MAIL, syntax, null path, parameters, non-ASCII without SMTPUTF8, too many recipients")
    func recipientErrors() {
        var driver = SMTPServerTestDriver(configuration: SMTPServerTestDriver.configuration(maximumErrors: 100), isTrusted: true)
        _ = driver.drain()
        _ = driver.send("EHLO c\r\n")
        #expect(driver.replies("RCPT TO:<b@example.com>\r\n") == ["503 5.5.1 Need MAIL command"])
        _ = driver.send("MAIL FROM:<a@example.com>\r\n")
        #expect(driver.replies("RCPT FROM:<b@example.com>\r\n") == ["501 5.5.4 Syntax: RCPT TO:<address>"])
        #expect(driver.replies("RCPT TO:<>\r\n") == ["501 5.1.3 Bad recipient address syntax"])
        #expect(driver.replies("RCPT TO:<b@>\r\n") == ["501 5.1.3 Bad recipient address syntax"])
        #expect(driver.replies("RCPT TO:<b@example.com> NOTIFY=NEVER\r\n") == ["555 5.5.4 Unsupported parameter NOTIFY"])
        #expect(driver.replies("RCPT TO:<bö@example.com>\r\n") == ["553 5.6.7 Non-ASCII address requires SMTPUTF8"])
        #expect(
            driver.replies("RCPT TO:<b1@example.com>\r\nRCPT TO:<b2@example.com>\r\nRCPT TO:<b3@example.com>\r\nRCPT TO:<b4@example.com>\r\n") == [
                "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK", "452 4.5.3 Too many recipients",
            ]
        )
    }

    @Test("RSET and EHLO end the transaction")
    func resetEndsTransaction() {
        var driver = SMTPServerTestDriver.ready()
        _ = driver.send("MAIL FROM:<a@example.com>\r\nRSET\r\n")
        #expect(driver.replies("RCPT TO:<b@example.com>\r\n") == ["503 5.5.1 Need MAIL command"])
        _ = driver.send("MAIL FROM:<a@example.com>\r\nEHLO again\r\n")
        #expect(driver.replies("MAIL FROM:<a@example.com>\r\n") == ["250 2.1.0 Sender OK"])
    }

    @Test("without a login or a trusted network MAIL is refused 530 5.7.0; a trusted client needs none")
    func authenticationRequired() {
        var driver = SMTPServerTestDriver(isTLS: true)
        _ = driver.drain()
        _ = driver.send("EHLO c\r\n")
        #expect(driver.replies("MAIL FROM:<a@example.com>\r\n") == ["530 5.7.0 Authentication required"])

        var open = SMTPServerTestDriver(configuration: SMTPServerTestDriver.configuration(requiresAuthentication: false))
        _ = open.drain()
        _ = open.send("EHLO c\r\n")
        #expect(open.replies("MAIL FROM:<a@example.com>\r\n") == ["250 2.1.0 Sender OK"])
    }

    @Test("a login limited to sender domains may use them, in any case and as U-labels, and nothing else")
    func allowedSenderDomains() {
        var driver = SMTPServerTestDriver(isTLS: true)
        _ = driver.drain()
        _ = driver.send("EHLO c\r\nAUTH PLAIN AGFubgBzM2NyZXQ=\r\n")
        driver.machine.authenticationCompleted(SMTPServerIdentity(username: "ann", allowedSenderDomains: ["Example.com", "bücher.example"]))
        #expect(driver.drain() == ["235 2.7.0 Authentication successful", "<await input>"])
        #expect(driver.replies("MAIL FROM:<a@other.com>\r\n") == ["550 5.7.1 Sender address not allowed for this login"])
        #expect(driver.replies("MAIL FROM:<>\r\n") == ["550 5.7.1 Sender address not allowed for this login"])
        #expect(driver.replies("MAIL FROM:<a@xn--bcher-kva.example>\r\nRSET\r\n") == ["250 2.1.0 Sender OK", "250 2.0.0 OK"])
        #expect(driver.replies("MAIL FROM:<a@EXAMPLE.COM>\r\n") == ["250 2.1.0 Sender OK"])
    }
}
