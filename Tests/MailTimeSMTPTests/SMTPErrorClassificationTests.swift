@testable import MailTimeSMTP
import NIOCore
import Testing

/// `SMTPError.Kind(reply:)`: what a negative reply means for the email.
@Suite struct SMTPErrorClassificationTests {
    static func reply(_ line: String) throws -> SMTPReply {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: line + "\r\n")
        let reply = try #require(try parser.next(from: &buffer))
        #expect(buffer.readableBytes == 0)
        return reply
    }

    @Test(arguments: [
        "421 mx.example.net Service not available, closing transmission channel",
        "421 4.3.2 Service shutting down",
        "421 4.4.5 Server busy, try again later",
        // 421 closes the session whatever the enhanced code says: it is not a policy refusal.
        "421 4.7.0 Try again later, closing connection.",
    ])
    func serviceNotAvailableIsTemporary(line: String) throws {
        #expect(SMTPError.Kind(reply: try Self.reply(line)) == .temporary)
    }

    @Test(arguments: [
        "450 Requested mail action not taken: mailbox unavailable",
        "450 4.2.1 Mailbox busy",
        "451 Requested action aborted: local error in processing",
        "451 4.3.0 Temporary lookup failure",
        "451 4.4.3 Domain not found, try later",
        "452 Requested action not taken: insufficient system storage",
        "452 4.5.3 Too many recipients",
        "452 4.2.2 Mailbox full",
    ])
    func transientRepliesAreTemporary(line: String) throws {
        #expect(SMTPError.Kind(reply: try Self.reply(line)) == .temporary)
    }

    @Test(arguments: [
        "550 Requested action not taken: mailbox unavailable",
        "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table",
        "551 User not local; please try <other@example.org>",
        "551 5.1.6 User has moved",
        "552 Requested mail action aborted: exceeded storage allocation",
        "552 5.3.4 Message size exceeds fixed limit",
        "552 5.2.2 Mailbox full",
        "553 Requested action not taken: mailbox name not allowed",
        "553 5.1.3 Bad recipient address syntax",
        "554 Transaction failed",
        "554 5.6.0 Message content rejected",
        "554 5.5.1 Error: no valid recipients",
    ])
    func permanentRepliesArePermanent(line: String) throws {
        #expect(SMTPError.Kind(reply: try Self.reply(line)) == .permanent)
    }

    @Test(arguments: [
        "550 5.7.1 Relaying denied",
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        "553 5.7.1 <a@example.com>: Sender address rejected: not owned by user",
        "550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to\r\n550 5.7.1 send email directly to our servers.",
        "550 5.7.26 Unauthenticated email is not accepted from this domain",
        "450 4.7.0 Greylisted, try again in 5 minutes",
        "451 4.7.1 Please try again later",
        "452 4.7.0 Temporary policy rejection",
    ])
    func policyRepliesAreTheProviders(line: String) throws {
        #expect(SMTPError.Kind(reply: try Self.reply(line)) == .provider)
    }

    @Test(arguments: [
        "530 Authentication required",
        "530 5.7.0 Must issue a STARTTLS command first",
        "534 Authentication mechanism is too weak",
        "534-5.7.9 Application-specific password required.\r\n534 5.7.9 Learn more at https://support.example.com",
        "535 Authentication credentials invalid",
        "535 5.7.8 Username and Password not accepted.",
        "538 Encryption required for requested authentication mechanism",
        "538 5.7.11 Encryption required for requested authentication mechanism",
        "454 TLS not available due to temporary reason",
        "454 4.7.0 TLS not available due to temporary reason",
        "454 4.3.0 Temporary authentication failure",
    ])
    func authenticationAndTLSRepliesAreTheProviders(line: String) throws {
        #expect(SMTPError.Kind(reply: try Self.reply(line)) == .provider)
    }

    @Test func kindIsCalculatedFromTheReplyValueToo() {
        // Without the parser: a reply built by hand.
        #expect(SMTPError.Kind(reply: SMTPReply(code: 550, lines: ["no"])) == .permanent)
        #expect(SMTPError.Kind(reply: SMTPReply(code: 451, lines: ["later"])) == .temporary)
        #expect(
            SMTPError.Kind(
                reply: SMTPReply(code: 550, enhancedStatusCode: EnhancedStatusCode(statusClass: 5, subject: 7, detail: 1), lines: ["policy"])
            ) == .provider)
        #expect(
            SMTPError.Kind(
                reply: SMTPReply(code: 451, enhancedStatusCode: EnhancedStatusCode(statusClass: 4, subject: 4, detail: 1), lines: ["later"])
            ) == .temporary)
    }

    @Test func errorFromAReplyTakesItsKindAndKeepsTheReply() throws {
        let reply = try Self.reply("550 5.1.1 no such user")
        let error = SMTPError(.recipientRejected, "the server refused b@example.net", reply: reply)
        #expect(error.code == .recipientRejected)
        #expect(error.kind == .permanent)
        #expect(error.reply == reply)
        #expect(error.message == "the server refused b@example.net: 550 5.1.1 no such user")
        #expect(error.description == "smtp.recipient-rejected (permanent): the server refused b@example.net: 550 5.1.1 no such user")

        let temporary = SMTPError(.messageRejected, "the server refused the message", reply: try Self.reply("452 4.3.1 Insufficient system storage"))
        #expect(temporary.kind == .temporary)
        let policy = SMTPError(.senderRejected, "the server refused the sender", reply: try Self.reply("553 5.7.1 not yours"))
        #expect(policy.kind == .provider)
    }

    @Test func errorWithoutAReplyIsTheProvidersByDefault() {
        let error = SMTPError(.timeout, "no reply")
        #expect(error.kind == .provider)
        #expect(error.reply == nil)
    }
}
