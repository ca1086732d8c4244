import Foundation

/// Turns an ``Email`` into an RFC 5322 message: templates applied, headers encoded and folded,
/// the body as multipart/mixed, related and alternative parts as needed.
public struct MessageComposer: Sendable {
    /// The sender of emails that have no `from`.
    public var defaultFrom: EmailAddress?
    /// The layout for emails that have no `template`; nil wraps nothing around the HTML body.
    public var defaultLayout: Template?

    public init(defaultFrom: EmailAddress? = nil, defaultLayout: Template? = nil) {
        self.defaultFrom = defaultFrom
        self.defaultLayout = defaultLayout
    }

    /// Composes `email` as sent at `date`, with its `messageID` (or a new one when it has none), written
    /// dot-stuffed as SMTP DATA carries it (see ``ComposedMessage/data``).
    ///
    /// - Throws: ``EmailValidationError`` when the email has no sender, recipient or body, or a header
    ///   value (after templating) is malformed or has a line break.
    public func compose(_ email: Email, date: Date = Date()) throws(EmailValidationError) -> ComposedMessage {
        guard let from = email.from ?? defaultFrom else {
            throw EmailValidationError(.noSender, "from: the email has no sender and there is no default sender")
        }
        let recipients = email.recipients
        if recipients.isEmpty {
            throw EmailValidationError(.noRecipient, "to, cc, bcc: the email needs at least one recipient")
        }
        try email.checkHeaderFields()
        let content = try RenderedContent(email, defaultLayout: defaultLayout)
        let messageID = email.messageID ?? Email.generateMessageID(domain: from.domain)

        var output: [UInt8] = []
        // Room for the headers, and for the bodies as quoted-printable or base64 makes them a little larger.
        let textSize = (content.text?.utf8.count ?? 0) + (content.html?.utf8.count ?? 0)
        output.reserveCapacity(1024 + textSize * 11 / 10 + email.attachments.reduce(0) { $0 + $1.content.count } * 14 / 10)
        // Each field is written in place at the end of `output`.
        Self.writeField(
            "Date",
            value: RFC5322Date.format(
                millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            ), into: &output)
        Self.writeField("Message-ID", value: messageID, into: &output)
        Self.writeAddressField("From", CollectionOfOne(from), into: &output)
        if !email.to.isEmpty { Self.writeAddressField("To", email.to, into: &output) }
        if !email.cc.isEmpty { Self.writeAddressField("Cc", email.cc, into: &output) }
        if !email.replyTo.isEmpty { Self.writeAddressField("Reply-To", email.replyTo, into: &output) }
        if let subject = content.subject {
            var field = HeaderField(name: "Subject", takingOver: &output)
            field.append(unstructured: subject, allowingLongWords: false)
            field.finish(into: &output)
        }
        for header in email.headers {
            // Only a custom field's name can start a line with ".": stuffed here, outside the line the field measures.
            if header.name.utf8.first == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            var field = HeaderField(name: header.name, takingOver: &output)
            field.append(unstructured: header.value, allowingLongWords: true)
            field.finish(into: &output)
        }
        Self.writeField("MIME-Version", value: "1.0", into: &output)

        let body = Self.body(content, attachments: email.attachments)
        body.write(into: &output)
        if output.last != 0x0A { output += [0x0D, 0x0A] }

        let needsSMTPUTF8 = email.needsSMTPUTF8 || from.needsSMTPUTF8
        return ComposedMessage(
            data: output,
            messageID: messageID,
            from: from,
            recipients: recipients,
            needsSMTPUTF8: needsSMTPUTF8,
            needs8BitMIME: needsSMTPUTF8
        )
    }

    /// The body: text and HTML as multipart/alternative (text first), inline attachments with the HTML
    /// in multipart/related, other attachments around it all in multipart/mixed.
    private static func body(_ content: RenderedContent, attachments: [Email.Attachment]) -> MIMEPart {
        var readable: MIMEPart
        var files = attachments.filter { !$0.isInline }
        if let html = content.html {
            var htmlPart = MIMEPart.text(html, subtype: "html")
            let inline = attachments.filter(\.isInline)
            if !inline.isEmpty {
                htmlPart = .multipart(subtype: "related", parts: [htmlPart] + inline.map(MIMEPart.attachment))
            }
            let text = content.text ?? HTMLText.plainText(from: html)
            readable = .multipart(subtype: "alternative", parts: [.text(text, subtype: "plain"), htmlPart])
        } else {
            readable = .text(content.text ?? "", subtype: "plain", endingInCRLF: attachments.isEmpty)
            // With no HTML to refer to them, inline parts are plain attachments.
            files = attachments
        }
        guard !files.isEmpty else { return readable }
        return .multipart(subtype: "mixed", parts: [readable] + files.map(MIMEPart.attachment))
    }

    /// An address-list field, folded between mailboxes and between the words of display names.
    static func addressField(_ name: String, _ addresses: [EmailAddress]) -> HeaderField {
        var buffer: [UInt8] = []
        return addressField(name, addresses, takingOver: &buffer)
    }

    /// A field whose whole value is one word, written at the end of `output`.
    private static func writeField(_ name: String, value: String, into output: inout [UInt8]) {
        var field = HeaderField(name: name, takingOver: &output)
        field.append(word: value)
        field.finish(into: &output)
    }

    /// An address-list field, written at the end of `output`.
    private static func writeAddressField(_ name: String, _ addresses: some Collection<EmailAddress>, into output: inout [UInt8]) {
        var field = addressField(name, addresses, takingOver: &output)
        field.finish(into: &output)
    }

    /// The address-list field, started at the end of `output` (see ``HeaderField/init(name:takingOver:)``).
    static func addressField(
        _ name: String, _ addresses: some Collection<EmailAddress>, takingOver output: inout [UInt8]
    ) -> HeaderField {
        var field = HeaderField(name: name, takingOver: &output)
        for (index, mailbox) in addresses.enumerated() {
            let separator = index + 1 < addresses.count ? "," : ""
            guard let displayName = mailbox.displayName else {
                field.append(word: mailbox.address + separator)
                continue
            }
            let address = "<\(mailbox.address)>" + separator
            if let words = plainPhraseWords(displayName) {
                field.append(group: words + [address])
            } else {
                appendEncodedDisplayName(displayName, to: &field)
                field.append(word: address)
            }
        }
        return field
    }

    /// The display name as RFC 5322 phrase words when it is printable ASCII: its atoms, or one quoted
    /// string; nil when it needs encoded words.
    private static func plainPhraseWords(_ name: String) -> [String]? {
        guard name.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }), !HeaderField.containsEncodedWordOpener(name) else {
            return nil
        }
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        if words.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 70 && $0.unicodeScalars.allSatisfy(EmailAddress.isAtomText) }) {
            return words.map(String.init)
        }
        var quoted = "\""
        for character in name {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        quoted.append("\"")
        return quoted.utf8.count <= EncodedWord.maximumLength ? [quoted] : nil
    }

    /// Writes a display name that needs encoding: atoms as they are, runs of other words as encoded words.
    ///
    /// Keeping atoms plain leaves encoded words apart wherever the name has ASCII words, which matters
    /// because some readers (Python's `email`) keep the space between two adjacent encoded words in a
    /// phrase, which RFC 2047 §6.2 says to drop.
    private static func appendEncodedDisplayName(_ name: String, to field: inout HeaderField) {
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        guard !words.contains(where: \.isEmpty) else {
            // Runs of spaces survive only inside an encoded word.
            field.appendEncoded(name)
            return
        }
        var run: [Substring] = []
        func flushRun() {
            if !run.isEmpty { field.appendEncoded(run.joined(separator: " ")) }
            run = []
        }
        for word in words {
            if word.utf8.count <= 60 && word.unicodeScalars.allSatisfy({ $0.isASCII && EmailAddress.isAtomText($0) }) {
                flushRun()
                field.append(word: String(word))
            } else {
                run.append(word)
            }
        }
        flushRun()
    }
}
