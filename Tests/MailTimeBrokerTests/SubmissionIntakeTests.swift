@testable import MailTimeBroker
import MailTimeMessage
import MailTimeQueue
import NIOCore
import Testing

/// Messages submitted over SMTP turned into jobs: what is added, removed and read, what is kept byte
/// for byte, and what is refused with which reply.
@Suite struct SubmissionIntakeTests {
    /// 2027-01-15T08:00:00Z, a Friday.
    static let now = Timestamp(millisecondsSince1970: 1_800_000_000_000)
    static let context = SubmissionContext(
        clientName: "app.example.com", clientAddress: "192.0.2.7", isTLS: true, tlsProtocol: "TLSv1.3", authenticatedUser: "billing",
        hostname: "mx.example.net", allowedSenderDomains: nil
    )
    static let headers = "Date: Thu, 14 Jan 2027 10:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\nFrom: App <app@example.com>\r\n"

    private func intake(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) -> SubmissionIntake {
        var configuration = BrokerConfiguration()
        configure(&configuration)
        return SubmissionIntake(configuration: configuration)
    }

    private func job(
        _ text: String,
        from reversePath: String = "app@example.com",
        to recipients: [String] = ["ann@example.org"],
        smtpUTF8: Bool = false,
        context: SubmissionContext = Self.context,
        intake: SubmissionIntake? = nil
    ) throws(SubmissionRefusal) -> NewJob {
        try (intake ?? self.intake()).job(
            reversePath: reversePath, recipients: recipients, smtpUTF8: smtpUTF8, eightBitMIME: false, message: ByteBuffer(string: text),
            context: context, now: Self.now
        )
    }

    private func stored(_ job: NewJob) throws -> SubmittedMessage {
        try SubmittedMessage(stored: job.payload)
    }

    /// The stored message without its first field (the Received field this intake puts first).
    private func afterReceived(_ message: SubmittedMessage) throws -> String {
        let text = String(decoding: message.message, as: UTF8.self)
        let received = try #require(text.firstRange(of: "\r\n\t\(RFC5322Date.format(millisecondsSince1970: Self.now.millisecondsSince1970))\r\n"))
        #expect(text.hasPrefix("Received: "))
        return String(text[received.upperBound...])
    }

    private func refusal(_ body: () throws(SubmissionRefusal) -> NewJob) -> String? {
        do throws(SubmissionRefusal) {
            _ = try body()
            return nil
        } catch {
            return "\(error.code) \(error.enhancedCode)"
        }
    }

    @Test func everythingButTheReceivedFieldIsKeptByteForByte() throws {
        let text = Self.headers + "Subject: a\r\n  folded  subject \r\nX-Custom:\tvalue\r\n\r\nBody\r\n\r\n..dots stay\r\nlast line"
        let job = try job(text, to: ["ann@example.org", "<bob@example.net>", "ann@example.org"])
        let message = try stored(job)
        #expect(try afterReceived(message) == text)
        #expect(message.reversePath?.address == "app@example.com")
        #expect(message.recipients.map(\.address) == ["ann@example.org", "bob@example.net"])
        #expect(job.priority == 128 && job.notBefore == nil && job.idempotencyKey == nil && job.foldKey == nil)
    }

    @Test func theReceivedFieldNamesTheClientTheTLSAndTheAuthentication() throws {
        let received = String(decoding: SubmissionIntake.receivedField(Self.context, now: Self.now), as: UTF8.self)
        #expect(
            received
                == "Received: from app.example.com ([192.0.2.7])\r\n\t(using TLSv1.3)\r\n\tby mx.example.net (MailTime) with ESMTPSA;\r\n"
                + "\tFri, 15 Jan 2027 08:00:00 +0000\r\n"
        )
        #expect(!received.contains("billing"))
        var plain = Self.context
        plain.isTLS = false
        plain.authenticatedUser = nil
        plain.clientAddress = "2001:db8::7"
        plain.clientName = "bad name\r\nInjected: yes"
        let plainReceived = String(decoding: SubmissionIntake.receivedField(plain, now: Self.now), as: UTF8.self)
        #expect(plainReceived.hasPrefix("Received: from unknown ([IPv6:2001:db8::7])\r\n\tby mx.example.net (MailTime) with ESMTP;\r\n"))
        var tlsOnly = Self.context
        tlsOnly.authenticatedUser = nil
        #expect(String(decoding: SubmissionIntake.receivedField(tlsOnly, now: Self.now), as: UTF8.self).contains(" with ESMTPS;"))
        var helo = plain
        helo.isExtended = false
        #expect(String(decoding: SubmissionIntake.receivedField(helo, now: Self.now), as: UTF8.self).contains(" with SMTP;"))
    }

    @Test func dateAndMessageIDAreAddedAtTheEndOfTheHeaderSectionOnlyWhenMissing() throws {
        let withBoth = try afterReceived(try stored(try job(Self.headers + "\r\nBody\r\n")))
        #expect(withBoth == Self.headers + "\r\nBody\r\n")

        let bare = try afterReceived(try stored(try job("From: app@example.com\r\nSubject: x\r\n\r\nBody\r\n")))
        let lines = bare.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "From: app@example.com" && lines[1] == "Subject: x")
        #expect(lines[2] == "Date: Fri, 15 Jan 2027 08:00:00 +0000")
        #expect(lines[3].hasPrefix("Message-ID: <") && lines[3].hasSuffix("@example.com>"))
        #expect(Array(lines[4...]) == ["", "Body", ""])

        // A message that is all header section and has no final line ending gets one before the added fields.
        let headerOnly = try afterReceived(try stored(try job("From: app@example.com\r\nMessage-ID: <x@example.com>")))
        #expect(headerOnly == "From: app@example.com\r\nMessage-ID: <x@example.com>\r\nDate: Fri, 15 Jan 2027 08:00:00 +0000\r\n")
        // Nor when the field that ended it without a CRLF is removed.
        let bccLast = try afterReceived(try stored(try job("From: app@example.com\r\nMessage-ID: <x@example.com>\r\nBcc: b@example.org")))
        #expect(bccLast == "From: app@example.com\r\nMessage-ID: <x@example.com>\r\nDate: Fri, 15 Jan 2027 08:00:00 +0000\r\n")
        // Case does not matter.
        let lower = "date: Thu, 14 Jan 2027 10:00:00 +0000\r\nmessage-id: <m@example.com>\r\nfrom: app@example.com\r\n\r\nx"
        #expect(try afterReceived(try stored(try job(lower))) == lower)
    }

    @Test func bccFieldsAreRemovedAndTheirRecipientsKeptInTheEnvelope() throws {
        let text =
            Self.headers
            + "To: ann@example.org\r\nBcc: secret@example.net,\r\n other@example.net\r\nSubject: x\r\nBCC: more@example.net\r\n\r\nBcc: in the body\r\n"
        let message = try stored(try job(text, to: ["ann@example.org", "secret@example.net"]))
        #expect(
            try afterReceived(message) == Self.headers + "To: ann@example.org\r\nSubject: x\r\n\r\nBcc: in the body\r\n"
        )
        #expect(message.recipients.map(\.address) == ["ann@example.org", "secret@example.net"])
    }

    @Test func theMailTimeFieldsSetTheJobAndAreRemoved() throws {
        let text =
            "X-MailTime-Priority: 7\r\n" + Self.headers + "x-mailtime-send-at: 2027-02-01T10:00:00Z\r\n"
            + "X-MailTime-Idempotency-Key:\r\n order-42\r\nX-MailTime-Tags: welcome, billing ,a b\r\nSubject: x\r\n\r\nX-MailTime-Priority: 1\r\n"
        let job = try job(text)
        #expect(job.priority == 7)
        #expect(job.notBefore == Timestamp(millisecondsSince1970: 1_801_476_000_000))
        #expect(job.idempotencyKey == "order-42")
        let message = try stored(job)
        #expect(message.tags == ["welcome", "billing", "a b"])
        #expect(try afterReceived(message) == Self.headers + "Subject: x\r\n\r\nX-MailTime-Priority: 1\r\n")
        // Unix milliseconds, as the JSON send_at takes them.
        #expect(try self.job("X-MailTime-Send-At: 1801476000000\r\n" + Self.headers).notBefore == Timestamp(millisecondsSince1970: 1_801_476_000_000))
    }

    @Test(arguments: [
        "X-MailTime-Priority: 256", "X-MailTime-Priority: -1", "X-MailTime-Priority: high", "X-MailTime-Priority: 1\r\nX-MailTime-Priority: 2",
        "X-MailTime-Send-At: tomorrow", "X-MailTime-Send-At: 2030-01-01T00:00:00Z", "X-MailTime-Send-At: 1.5",
        "X-MailTime-Idempotency-Key: ", "X-MailTime-Idempotency-Key: \(String(repeating: "k", count: 256))",
        "X-MailTime-Tags: a,,b", "X-MailTime-Tags: \((0...50).map { "t\($0)" }.joined(separator: ","))",
        "X-MailTime-Tags: \u{1}",
    ])
    func invalidMailTimeFieldsAreRefusedNamingTheField(field: String) throws {
        do throws(SubmissionRefusal) {
            _ = try job(field + "\r\n" + Self.headers + "\r\nx")
            Issue.record("\(field) was accepted")
        } catch {
            #expect(error.code == 550 && error.enhancedCode == "5.6.0")
            #expect(error.text.hasPrefix(String(field.prefix(while: { $0 != ":" })) + ":"), "\(error.text)")
        }
    }

    @Test func messagesWithoutAUsableHeaderSectionOrFromAreRefused() {
        #expect(refusal { () throws(SubmissionRefusal) in try job("just some text\r\n") } == "550 5.6.0")
        #expect(refusal { () throws(SubmissionRefusal) in try job("\r\nFrom: app@example.com\r\n") } == "550 5.6.0")
        #expect(refusal { () throws(SubmissionRefusal) in try job("Subject: no from\r\n\r\nx") } == "550 5.6.0")
        #expect(refusal { () throws(SubmissionRefusal) in try job("From: a@example.com\r\nFrom: b@example.com\r\n\r\nx") } == "550 5.6.0")
        #expect(refusal { () throws(SubmissionRefusal) in try job("From: App\r\n\r\nx") } == "550 5.6.0")
        #expect(refusal { () throws(SubmissionRefusal) in try job("From: a@example.com\nSubject: x\r\n\r\nx") } == "550 5.6.0")
    }

    @Test func theEnvelopeIsChecked() {
        let text = Self.headers + "\r\nx"
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, to: []) } == "554 5.5.1")
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, to: ["bob@"]) } == "553 5.1.3")
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, from: "not an address") } == "553 5.1.7")
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, to: ["jörg@example.org"]) } == "553 5.6.7")
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, to: ["jörg@example.org"], smtpUTF8: true) } == nil)
        let many = (0...1000).map { "r\($0)@example.org" }
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, to: many) } == "550 5.5.3")
    }

    @Test func theNullSenderIsKept() throws {
        for path in ["", "<>"] {
            let message = try stored(try job(Self.headers + "\r\nx", from: path))
            #expect(message.reversePath == nil)
        }
    }

    @Test func aMessageOverTheSizeLimitIsRefused() {
        let small = intake { $0.maximumEmailSize = 200 }
        let text = Self.headers + "\r\n" + String(repeating: "x", count: 200)
        #expect(refusal { () throws(SubmissionRefusal) in try job(text, intake: small) } == "552 5.3.4")
    }

    @Test func aMessageAtTheSizeLimitWithTheLargestEnvelopeIsStored() throws {
        let limit = 32 * 1024
        let small = intake { $0.maximumEmailSize = limit }
        let tags = "X-MailTime-Tags: " + (0..<50).map { _ in String(repeating: "t", count: 255) }.joined(separator: ",") + "\r\n"
        var text = tags + Self.headers + "\r\n"
        text += String(repeating: "x", count: limit - text.utf8.count)
        // 254 octets each, the longest an address may be.
        let domain = [String](repeating: String(repeating: "d", count: 60), count: 3).joined(separator: ".") + ".example"
        let recipients = (0..<1000).map { "\(String(repeating: "r", count: 59))\(1000 + $0)@\(domain)" }
        let job = try job(text, to: recipients, intake: small)
        #expect(try stored(job).recipients.count == 1000)
        #expect(job.payload.count > limit + 256 * 1024)
    }

    @Test func aTokensSenderDomainsBindTheEnvelopeSenderAndEveryFromAddress() {
        var limited = Self.context
        limited.allowedSenderDomains = ["example.com", "xn--bcher-kva.example"]
        let ok = Self.headers + "\r\nx"
        #expect(refusal { () throws(SubmissionRefusal) in try job(ok, context: limited) } == nil)
        #expect(refusal { () throws(SubmissionRefusal) in try job(ok, from: "App@EXAMPLE.COM", context: limited) } == nil)
        #expect(refusal { () throws(SubmissionRefusal) in try job(ok, from: "app@evil.example", context: limited) } == "550 5.7.1")
        // The null sender has no domain to check; the From field still does.
        #expect(refusal { () throws(SubmissionRefusal) in try job(ok, from: "", context: limited) } == nil)
        let twoFrom = "From: app@example.com, spoof@evil.example\r\nSender: app@example.com\r\n\r\nx"
        #expect(refusal { () throws(SubmissionRefusal) in try job(twoFrom, context: limited) } == "550 5.7.1")
        let international = "From: <info@bücher.example>\r\n\r\nx"
        #expect(refusal { () throws(SubmissionRefusal) in try job(international, context: limited) } == nil)
        // Without a limit any domain goes.
        #expect(refusal { () throws(SubmissionRefusal) in try job(twoFrom, from: "app@evil.example") } == nil)
    }

    @Test func refusalTextsArePrintableASCII() {
        let refusal = SubmissionRefusal(code: 550, enhancedCode: "5.6.0", text: "From: \"jörg\r\n\"")
        #expect(refusal.text == "From: \"j?rg??\"")
        #expect(refusal.description == "550 5.6.0 From: \"j?rg??\"")
    }
}
