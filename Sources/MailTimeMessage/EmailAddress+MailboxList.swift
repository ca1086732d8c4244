extension EmailAddress {
    /// The addresses of an RFC 5322 mailbox list, the body of a `From` field (unfolded):
    /// `App <app@example.com>, "Ann, B." <ann@example.org> (comment), bob@example.net`. Display names,
    /// comments and obsolete routes are read past and dropped; each address is checked as
    /// ``init(address:displayName:)`` checks one (its domain kept as A-labels).
    ///
    /// - Throws: ``EmailValidationError`` naming `field` when the list is empty, unbalanced, a group,
    ///   or has an address that is not valid.
    package static func mailboxList(_ value: String, field: String) throws(EmailValidationError) -> [EmailAddress] {
        var addresses: [EmailAddress] = []
        var current: [UInt8] = []
        var angle: [UInt8]?
        var inAngle = false
        var inQuotes = false
        var commentDepth = 0
        var escaped = false
        func malformed(_ reason: String) -> EmailValidationError {
            EmailValidationError(.invalidAddress, "\(field): \(EmailValidationError.quoted(value)) is not a mailbox list (RFC 5322): \(reason)")
        }
        func finishMailbox() throws(EmailValidationError) {
            defer {
                current = []
                angle = nil
            }
            var address = angle ?? current
            if angle != nil, address.first == UInt8(ascii: "@"), let colon = address.firstIndex(of: UInt8(ascii: ":")) {
                // An obsolete route, `<@relay.example:ann@example.org>`: only the address counts.
                address = Array(address[(colon + 1)...])
            }
            let text = trimmingSpaces(String(decoding: address, as: UTF8.self))
            if text.isEmpty {
                // RFC 5322's obsolete syntax allows empty list elements; a bracketed empty address is not one.
                guard angle == nil else { throw malformed("an address in angle brackets is empty") }
                return
            }
            addresses.append(try EmailAddress(address: text, displayName: nil, field: field))
        }
        for byte in value.utf8 {
            if escaped {
                escaped = false
                if commentDepth == 0 { inAngle ? angle!.append(byte) : current.append(byte) }
                continue
            }
            if commentDepth > 0 {
                switch byte {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "("): commentDepth += 1
                case UInt8(ascii: ")"): commentDepth -= 1
                default: break
                }
                continue
            }
            if inQuotes {
                if byte == UInt8(ascii: "\\") { escaped = true }
                if byte == UInt8(ascii: "\"") { inQuotes = false }
                inAngle ? angle!.append(byte) : current.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                escaped = true
                inAngle ? angle!.append(byte) : current.append(byte)
            case UInt8(ascii: "\""):
                inQuotes = true
                inAngle ? angle!.append(byte) : current.append(byte)
            case UInt8(ascii: "("):
                commentDepth = 1
            case UInt8(ascii: "<"):
                guard !inAngle, angle == nil else { throw malformed("a mailbox has two \"<\"") }
                inAngle = true
                angle = []
            case UInt8(ascii: ">"):
                guard inAngle else { throw malformed("a \">\" has no \"<\"") }
                inAngle = false
            case UInt8(ascii: ",") where !inAngle:
                try finishMailbox()
            case UInt8(ascii: ":") where !inAngle, UInt8(ascii: ";") where !inAngle:
                throw malformed("a group is not a mailbox")
            default:
                if inAngle {
                    angle!.append(byte)
                } else if angle != nil {
                    // After `<…>` only white space (or comments) may come before the next comma.
                    guard byte == 0x20 || byte == 0x09 else { throw malformed("text after an address in angle brackets") }
                } else {
                    current.append(byte)
                }
            }
        }
        guard !inQuotes, commentDepth == 0, !inAngle, !escaped else {
            throw malformed("a quote, comment or angle bracket is not closed")
        }
        try finishMailbox()
        guard !addresses.isEmpty else { throw malformed("it has no address") }
        return addresses
    }
}
