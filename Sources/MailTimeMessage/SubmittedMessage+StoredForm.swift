/// The stored form of a submitted message (protocol.md, "Submitted messages"): a first line
/// `MailTime-Submitted/1`, one line per envelope item, an empty line, then the message. Every line ends
/// in CRLF:
///
/// ```
/// MailTime-Submitted/1
/// mail-from <app@example.com>        (exactly once, first; "<>" for the null sender)
/// rcpt-to <ann@example.org>          (once per recipient, in order; at least one)
/// smtputf8                           (when MAIL FROM had SMTPUTF8)
/// 8bitmime                           (when MAIL FROM had BODY=8BITMIME)
/// tag <tag>                          (once per tag)
///
/// <the message>
/// ```
///
/// A JSON email starts with `{` (or white space): never with `M`.
extension SubmittedMessage {
    /// What every stored submitted message starts with, whatever its version.
    private static let prefix: [UInt8] = Array("MailTime-Submitted/".utf8)
    /// The first line of this version, without its CRLF.
    private static let versionLine = "MailTime-Submitted/1"

    /// Whether `payload` is a stored submitted message (of any version), judged by its first bytes alone.
    public static func isSubmittedMessage(_ payload: some Collection<UInt8>) -> Bool {
        payload.starts(with: prefix)
    }

    /// The form the queue stores.
    public func storedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + recipients.count * 40 + message.count)
        func line(_ text: String) {
            output += text.utf8
            output += [0x0D, 0x0A]
        }
        line(Self.versionLine)
        line("mail-from <" + (reversePath?.address ?? "") + ">")
        for recipient in recipients { line("rcpt-to <" + recipient.address + ">") }
        if smtpUTF8 { line("smtputf8") }
        if eightBitMIME { line("8bitmime") }
        for tag in tags { line("tag " + tag) }
        output += [0x0D, 0x0A]
        output += message
        return output
    }

    /// Reads the stored form, checking each envelope line (addresses, tags, order, duplicates).
    ///
    /// - Throws: ``EmailValidationError`` (`INVALID_FIELD`) naming the line, for anything else.
    public init(stored bytes: [UInt8]) throws(EmailValidationError) {
        guard Self.isSubmittedMessage(bytes) else {
            throw EmailValidationError(.invalidField, "the payload is not a stored submitted message")
        }
        var reversePath: EmailAddress??
        var recipients: [EmailAddress] = []
        var smtpUTF8 = false
        var eightBitMIME = false
        var tags: [String] = []
        var offset = 0
        var number = 0
        while true {
            number += 1
            guard let lineFeed = bytes[offset...].firstIndex(of: 0x0A), lineFeed > offset, bytes[lineFeed - 1] == 0x0D else {
                throw Self.invalid(line: number, "does not end in CRLF, or the envelope has no end")
            }
            let content = bytes[offset..<lineFeed - 1]
            offset = lineFeed + 1
            if content.isEmpty { break }
            guard !content.contains(0x0D), let text = String(validating: content, as: UTF8.self) else {
                throw Self.invalid(line: number, "has a bare CR or is not UTF-8")
            }
            if number == 1 {
                guard text == Self.versionLine else {
                    throw Self.invalid(line: number, "\(EmailValidationError.quoted(text)) is not a version this broker reads")
                }
                continue
            }
            let space = text.utf8.firstIndex(of: UInt8(ascii: " "))
            let key = space.map { String(text[..<$0]) } ?? text
            let value = space.map { String(text[text.index(after: $0)...]) }
            if number == 2 && key != "mail-from" {
                throw Self.invalid(line: number, "must be mail-from")
            }
            switch (key, value) {
            case ("mail-from", let value?) where reversePath == nil:
                let address = try Self.path(value, line: number)
                reversePath = .some(try address.isEmpty ? nil : Self.address(address, line: number))
            case ("rcpt-to", let value?):
                let address = try Self.path(value, line: number)
                recipients.append(try Self.address(address, line: number))
            case ("smtputf8", nil) where !smtpUTF8:
                smtpUTF8 = true
            case ("8bitmime", nil) where !eightBitMIME:
                eightBitMIME = true
            case ("tag", let tag?):
                guard (1...255).contains(tag.utf8.count), !Email.hasControlCharacter(tag) else {
                    throw Self.invalid(line: number, "a tag must be 1 to 255 bytes with no control characters")
                }
                tags.append(tag)
            default:
                throw Self.invalid(line: number, "\(EmailValidationError.quoted(text, limit: 40)) is not an envelope line, or repeats one")
            }
        }
        guard case .some(let sender) = reversePath, !recipients.isEmpty else {
            throw Self.invalid(line: number, "ends an envelope without mail-from or rcpt-to")
        }
        self.init(
            reversePath: sender, recipients: recipients, smtpUTF8: smtpUTF8, eightBitMIME: eightBitMIME, tags: tags,
            message: Array(bytes[offset...])
        )
    }

    /// The address inside `<…>`.
    private static func path(_ value: String, line: Int) throws(EmailValidationError) -> String {
        guard value.utf8.count >= 2, value.utf8.first == UInt8(ascii: "<"), value.utf8.last == UInt8(ascii: ">") else {
            throw invalid(line: line, "the path must be in angle brackets")
        }
        return String(value.dropFirst().dropLast())
    }

    private static func address(_ text: String, line: Int) throws(EmailValidationError) -> EmailAddress {
        do {
            return try EmailAddress(address: text)
        } catch {
            throw invalid(line: line, error.message)
        }
    }

    private static func invalid(line: Int, _ reason: String) -> EmailValidationError {
        EmailValidationError(.invalidField, "the stored submitted message: line \(line) \(reason)")
    }
}
