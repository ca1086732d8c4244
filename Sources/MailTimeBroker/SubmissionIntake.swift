import MailTimeMessage
import MailTimeQueue
import NIOCore

/// Turns a message submitted over SMTP (RFC 6409) into a job, or refuses it with the reply for the
/// end of its data.
///
/// The message is stored as it will be sent, edited only where a submission server may edit it:
/// a `Received` field is put first (RFC 5321 §4.4, with RFC 3848's `with` keywords), `Date` and
/// `Message-ID` are added at the end of the header section when missing (RFC 6409 §8.2, §8.3), `Bcc`
/// fields are removed, and the `X-MailTime-Priority`, `X-MailTime-Send-At`, `X-MailTime-Idempotency-Key`
/// and `X-MailTime-Tags` fields set the job's options and are removed. Every other byte is kept: no
/// field is refolded, no line ending changed. A submitted message never folds with others.
public struct SubmissionIntake: Sendable {
    /// The largest message, in octets. From `limits.email-size`.
    public let maximumMessageSize: Int
    /// The largest stored form (message, added fields and envelope): the queue's payload limit.
    public let maximumStoredSize: Int
    /// How far ahead `X-MailTime-Send-At` may be.
    public let maximumSendAhead: Duration
    /// The most recipients and the most tags, as for JSON emails.
    public let limits: Email.Limits

    /// The header fields that set the job's options and are removed.
    static let priorityField = "X-MailTime-Priority"
    static let sendAtField = "X-MailTime-Send-At"
    static let idempotencyKeyField = "X-MailTime-Idempotency-Key"
    static let tagsField = "X-MailTime-Tags"

    public init(configuration: BrokerConfiguration) {
        maximumMessageSize = configuration.maximumEmailSize
        maximumStoredSize = configuration.queueConfiguration.maximumPayloadSize
        maximumSendAhead = configuration.maximumSendAhead
        limits = Email.Limits(maximumSize: configuration.maximumEmailSize)
    }

    /// The job for one SMTP transaction.
    ///
    /// - Parameters:
    ///   - reversePath: MAIL FROM's address, with or without its angle brackets; empty for the null sender.
    ///   - recipients: RCPT TO's addresses, in order (repeated ones are sent to once).
    ///   - smtpUTF8: whether MAIL FROM had the SMTPUTF8 parameter.
    ///   - eightBitMIME: whether MAIL FROM had BODY=8BITMIME.
    ///   - message: the message: dot-stuffing undone, CRLF line endings.
    ///   - context: the session's client, TLS, authentication, host name and sender domains.
    ///   - now: the time of the submission (the Date and Received fields, the `X-MailTime-Send-At` limit).
    /// - Throws: ``SubmissionRefusal`` with the reply to give; nothing is stored then.
    public func job(
        reversePath: String,
        recipients: [String],
        smtpUTF8: Bool,
        eightBitMIME: Bool,
        message: ByteBuffer,
        context: SubmissionContext,
        now: Timestamp
    ) throws(SubmissionRefusal) -> NewJob {
        guard message.readableBytes <= maximumMessageSize else {
            throw SubmissionRefusal(
                code: 552, enhancedCode: "5.3.4",
                text: "the message is \(message.readableBytes) octets; the limit is \(maximumMessageSize)"
            )
        }
        let envelope = try Self.envelope(reversePath: reversePath, recipients: recipients, smtpUTF8: smtpUTF8, limits: limits)
        if let domains = context.allowedSenderDomains, let sender = envelope.sender, !domains.contains(sender.domain.lowercased()) {
            throw Self.senderNotAllowed("the envelope sender", sender, domains)
        }
        let edited = try message.withUnsafeReadableBytes { bytes throws(SubmissionRefusal) in
            try edit(bytes, context: context, now: now)
        }
        let submitted = SubmittedMessage(
            reversePath: envelope.sender, recipients: envelope.recipients, smtpUTF8: smtpUTF8, eightBitMIME: eightBitMIME,
            tags: edited.options.tags, message: edited.message
        )
        let stored = submitted.storedBytes()
        guard stored.count <= maximumStoredSize else {
            throw SubmissionRefusal(
                code: 552, enhancedCode: "5.3.4",
                text: "the message with its envelope is \(stored.count) octets; the limit is \(maximumStoredSize)"
            )
        }
        return NewJob(
            payload: stored,
            priority: edited.options.priority,
            notBefore: edited.options.sendAt,
            idempotencyKey: edited.options.idempotencyKey,
            attributes: JobAttributes(submitted)
        )
    }

    /// The job's options, read from the `X-MailTime-*` fields.
    struct Options {
        var priority = Email.defaultPriority
        var sendAt: Timestamp?
        var idempotencyKey: String?
        var tags: [String] = []
    }

    /// The checked envelope: the sender (`nil` for `<>`) and the recipients, each once.
    private static func envelope(reversePath: String, recipients: [String], smtpUTF8: Bool, limits: Email.Limits) throws(SubmissionRefusal)
        -> (sender: EmailAddress?, recipients: [EmailAddress])
    {
        let sender: EmailAddress?
        let path = unbracketed(reversePath)
        if path.isEmpty {
            sender = nil
        } else {
            do {
                sender = try EmailAddress(address: path)
            } catch {
                throw SubmissionRefusal(code: 553, enhancedCode: "5.1.7", text: "the sender address is not valid: \(error.message)")
            }
        }
        var seen = Set<String>()
        var addresses: [EmailAddress] = []
        for recipient in recipients {
            let address: EmailAddress
            do {
                address = try EmailAddress(address: unbracketed(recipient))
            } catch {
                throw SubmissionRefusal(code: 553, enhancedCode: "5.1.3", text: "a recipient address is not valid: \(error.message)")
            }
            if seen.insert(address.localPart + "@" + address.domain.lowercased()).inserted { addresses.append(address) }
        }
        guard !addresses.isEmpty else {
            throw SubmissionRefusal(code: 554, enhancedCode: "5.5.1", text: "the message has no recipients")
        }
        guard addresses.count <= limits.maximumRecipients else {
            throw SubmissionRefusal(
                code: 550, enhancedCode: "5.5.3", text: "\(addresses.count) recipients, more than the limit of \(limits.maximumRecipients)"
            )
        }
        if !smtpUTF8, sender?.needsSMTPUTF8 == true || addresses.contains(where: \.needsSMTPUTF8) {
            throw SubmissionRefusal(code: 553, enhancedCode: "5.6.7", text: "an address has non-ASCII characters, which needs SMTPUTF8")
        }
        return (sender, addresses)
    }

    private static func unbracketed(_ path: String) -> String {
        path.utf8.first == UInt8(ascii: "<") && path.utf8.last == UInt8(ascii: ">") && path.utf8.count >= 2
            ? String(path.dropFirst().dropLast()) : path
    }

    /// The message as it will be stored, and the options its `X-MailTime-*` fields set.
    private func edit(_ message: UnsafeRawBufferPointer, context: SubmissionContext, now: Timestamp) throws(SubmissionRefusal)
        -> (message: [UInt8], options: Options)
    {
        let section: MessageHeaderSection
        do {
            section = try MessageHeaderSection(message)
        } catch {
            throw Self.invalidContent(error.message)
        }
        let from = try Self.fromAddresses(section, message)
        if let domains = context.allowedSenderDomains, let address = from.first(where: { !domains.contains($0.domain.lowercased()) }) {
            throw Self.senderNotAllowed("the From address", address, domains)
        }
        let options = try options(section, message, now: now)
        var removed = Set<Int>()
        for (index, field) in section.fields.enumerated()
        where field.isNamed("Bcc") || field.isNamed(Self.priorityField) || field.isNamed(Self.sendAtField)
            || field.isNamed(Self.idempotencyKeyField) || field.isNamed(Self.tagsField)
        {
            removed.insert(index)
        }

        var output: [UInt8] = []
        output.reserveCapacity(message.count + 512)
        output += Self.receivedField(context, now: now)
        var copied = 0
        for index in removed.sorted() {
            output += message[copied..<section.fields[index].range.lowerBound]
            copied = section.fields[index].range.upperBound
        }
        output += message[copied..<section.end]
        let hasDate = section.fields.contains { $0.isNamed("Date") }
        let hasMessageID = section.fields.contains { $0.isNamed("Message-ID") }
        // A header section that ends the message may lack its last CRLF.
        if (!hasDate || !hasMessageID) && output.last != 0x0A { output += [0x0D, 0x0A] }
        if !hasDate {
            output += "Date: \(RFC5322Date.format(millisecondsSince1970: now.millisecondsSince1970))\r\n".utf8
        }
        if !hasMessageID {
            // On the sender's domain; on the broker's host name when the sender's is an address literal.
            let domain = from[0].domain.hasPrefix("[") ? Substring(context.hostname) : from[0].domain
            output += "Message-ID: \(Email.generateMessageID(domain: domain))\r\n".utf8
        }
        output += message[section.end...]
        return (output, options)
    }

    /// The addresses of the one `From` field.
    private static func fromAddresses(_ section: MessageHeaderSection, _ message: UnsafeRawBufferPointer) throws(SubmissionRefusal)
        -> [EmailAddress]
    {
        let fields = section.fields.filter { $0.isNamed("From") }
        guard fields.count == 1 else {
            throw invalidContent(fields.isEmpty ? "the message has no From header field" : "the message has more than one From header field")
        }
        guard let body = MessageHeaderSection.unfoldedBody(of: fields[0], in: message) else {
            throw invalidContent("From: the field is not UTF-8")
        }
        do {
            return try EmailAddress.mailboxList(body, field: "From")
        } catch {
            throw invalidContent(error.message)
        }
    }

    /// The options the `X-MailTime-*` fields set, each field at most once.
    private func options(_ section: MessageHeaderSection, _ message: UnsafeRawBufferPointer, now: Timestamp) throws(SubmissionRefusal)
        -> Options
    {
        func body(_ name: String) throws(SubmissionRefusal) -> String? {
            let fields = section.fields.filter { $0.isNamed(name) }
            guard fields.count <= 1 else { throw Self.invalidContent("\(name): the field appears more than once") }
            guard let field = fields.first else { return nil }
            guard let body = MessageHeaderSection.unfoldedBody(of: field, in: message) else {
                throw Self.invalidContent("\(name): the field is not UTF-8")
            }
            return body
        }
        var options = Options()
        if let text = try body(Self.priorityField) {
            guard text.utf8.count <= 3, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let priority = UInt8(text) else {
                throw Self.invalidContent("\(Self.priorityField): must be an integer from 0 to 255")
            }
            options.priority = priority
        }
        if let text = try body(Self.sendAtField) {
            let time: Timestamp
            do {
                time = Timestamp(millisecondsSince1970: try Email.sendAt(text: text))
            } catch {
                throw Self.invalidContent(
                    "\(Self.sendAtField): must be an RFC 3339 time like 2026-12-01T10:00:00Z or Unix milliseconds, from 1970 to 9999"
                )
            }
            guard time <= now + maximumSendAhead else {
                throw Self.invalidContent("\(Self.sendAtField): at most \(maximumSendAhead.milliseconds / 86_400_000) days ahead")
            }
            options.sendAt = time
        }
        if let key = try body(Self.idempotencyKeyField) {
            guard (1...255).contains(key.utf8.count), !Email.hasControlCharacter(key) else {
                throw Self.invalidContent("\(Self.idempotencyKeyField): must be 1 to 255 bytes with no control characters")
            }
            options.idempotencyKey = key
        }
        if let text = try body(Self.tagsField) {
            let tags = text.split(separator: ",", omittingEmptySubsequences: false).map { tag in
                String(tag.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
            }
            guard tags.count <= limits.maximumTags else {
                throw Self.invalidContent("\(Self.tagsField): at most \(limits.maximumTags) tags, got \(tags.count)")
            }
            for tag in tags where !(1...255).contains(tag.utf8.count) || Email.hasControlCharacter(tag) {
                throw Self.invalidContent("\(Self.tagsField): a tag must be 1 to 255 bytes with no control characters, separated by commas")
            }
            options.tags = tags
        }
        return options
    }

    /// The trace field put first (RFC 5321 §4.4): `from <helo> ([ip])`, the TLS version as a comment,
    /// `by <host> (MailTime) with ESMTP[S][A]` (RFC 3848), and the time.
    static func receivedField(_ context: SubmissionContext, now: Timestamp) -> [UInt8] {
        let address =
            context.clientAddress.contains(":") ? "[IPv6:\(context.clientAddress)]" : "[\(context.clientAddress)]"
        let isDomainLike = { (name: String) in
            (1...255).contains(name.utf8.count)
                && name.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || "-._[]:".utf8.contains(byte)
                }
        }
        let name = isDomainLike(context.clientName) ? context.clientName : "unknown"
        var protocolName = "SMTP"
        if context.isExtended {
            protocolName = "ESMTP" + (context.isTLS ? "S" : "") + (context.authenticatedUser != nil ? "A" : "")
        }
        var field = "Received: from \(name) (\(isDomainLike(context.clientAddress) ? address : "unknown"))\r\n"
        if context.isTLS, let version = context.tlsProtocol, isDomainLike(version) {
            field += "\t(using \(version))\r\n"
        }
        field += "\tby \(isDomainLike(context.hostname) ? context.hostname : "localhost") (MailTime) with \(protocolName);\r\n"
        field += "\t\(RFC5322Date.format(millisecondsSince1970: now.millisecondsSince1970))\r\n"
        return Array(field.utf8)
    }

    private static func invalidContent(_ reason: String) -> SubmissionRefusal {
        SubmissionRefusal(code: 550, enhancedCode: "5.6.0", text: reason)
    }

    private static func senderNotAllowed(_ what: String, _ address: EmailAddress, _ domains: [String]) -> SubmissionRefusal {
        SubmissionRefusal(
            code: 550, enhancedCode: "5.7.1",
            text: "\(what) \(address.address) is not in a domain this client may send from (\(domains.joined(separator: ", ")))"
        )
    }
}
