import MailTimeMessage

extension FuzzTarget {
    /// What the SMTP submission intake reads from untrusted bytes, and the stored form senders read:
    /// ``MessageHeaderSection`` on the bytes as a message, ``EmailAddress/mailboxList(_:field:)`` on them as
    /// a From field's body, and ``SubmittedMessage/init(stored:)`` on them as a stored form.
    static let submittedMessage = FuzzTarget(
        name: "submitted-message",
        summary: "Submitted messages: header sections, From mailbox lists, the stored form; what reads is consistent"
    ) { input in
        input.withUnsafeBytes { bytes in
            guard let section = try? MessageHeaderSection(bytes) else { return }
            precondition(!section.fields.isEmpty && section.end <= bytes.count, "a header section without fields, or past the end")
            var next = 0
            for field in section.fields {
                precondition(field.range.lowerBound == next, "the fields do not follow each other from the start")
                precondition(field.bodyRange.lowerBound > field.range.lowerBound && field.bodyRange.upperBound <= field.range.upperBound)
                precondition(bytes[field.bodyRange.lowerBound - 1] == UInt8(ascii: ":"), "a field body not after its colon")
                next = field.range.upperBound
            }
            precondition(next == section.end, "the fields do not make up the header section")
            precondition(section.end == bytes.count || (bytes[section.end] == 0x0D && bytes[section.end + 1] == 0x0A), "no empty line at the end")
        }
        if let addresses = try? EmailAddress.mailboxList(String(decoding: input, as: UTF8.self), field: "From") {
            precondition(!addresses.isEmpty, "an empty mailbox list is accepted")
            for address in addresses {
                precondition((try? EmailAddress(address: address.address)) == address, "\(address.address.debugDescription) does not read back")
            }
        }
        if let message = try? SubmittedMessage(stored: input) {
            precondition(SubmittedMessage.isSubmittedMessage(input), "a stored form read without its first line")
            precondition(!message.recipients.isEmpty, "a stored form without recipients")
            precondition((try? SubmittedMessage(stored: message.storedBytes())) == message, "the stored form does not read back equal")
        }
    }
}
