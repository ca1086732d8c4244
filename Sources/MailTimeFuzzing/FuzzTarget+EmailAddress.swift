import MailTimeMessage

extension FuzzTarget {
    /// ``EmailAddress`` parsing on any text (or, with a NUL byte, a display name and an address):
    /// what it accepts is at most 254 octets, splits into local part and domain at its last `@`,
    /// has no line break or control character, and reads back the same from its JSON form.
    static let emailAddress = FuzzTarget(
        name: "email-address",
        summary: "EmailAddress: parse any mailbox text; what parses reads back the same from its description"
    ) { input in
        let mailbox: EmailAddress
        if let separator = input.firstIndex(of: 0) {
            let name = String(decoding: input[..<separator], as: UTF8.self)
            let address = String(decoding: input[(separator + 1)...], as: UTF8.self)
            guard let made = try? EmailAddress(address: address, displayName: name.isEmpty ? nil : name) else { return }
            mailbox = made
        } else {
            guard let parsed = try? EmailAddress(String(decoding: input, as: UTF8.self)) else { return }
            mailbox = parsed
        }
        let address = mailbox.address
        precondition(address.utf8.count <= 254, "an address of \(address.utf8.count) octets")
        precondition(String(mailbox.localPart) + "@" + String(mailbox.domain) == address, "local part and domain do not make the address")
        precondition(!mailbox.localPart.isEmpty && !mailbox.domain.isEmpty, "an empty local part or domain")
        precondition(
            !address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
            "a control character in \(address.debugDescription)"
        )
        if let name = mailbox.displayName {
            precondition(!name.isEmpty, "an empty display name is kept")
            precondition(
                !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                "a control character in the display name \(name.debugDescription)"
            )
        }
        let reread: EmailAddress
        do {
            reread = try EmailAddress(mailbox.description)
        } catch {
            preconditionFailure("\(mailbox.description.debugDescription) does not parse: \(error)")
        }
        precondition(reread == mailbox, "\(mailbox.description.debugDescription) reads back as \(reread.description.debugDescription)")
        precondition(
            (try? EmailAddress(address: address, displayName: mailbox.displayName)) == mailbox,
            "the address and display name do not make the same mailbox again"
        )
    }
}
