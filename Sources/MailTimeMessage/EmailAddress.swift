/// A mailbox: an RFC 5321 address with an optional display name.
///
/// Addresses are checked when made; an `EmailAddress` value always has valid syntax.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The name shown with the address, if any, without quotes.
    public let displayName: String?
    /// The address, `local-part@domain`: the local part exactly as given, the domain as given when it is
    /// ASCII and with A-labels (`xn--…`, RFC 5891) when it was given with non-ASCII characters.
    public let address: String

    /// Parses `addr@example.com`, `<addr@example.com>`, `Display Name <addr@example.com>`
    /// or `"Name, Quoted" <addr@example.com>`.
    public init(_ string: String) throws(EmailValidationError) {
        self = try EmailAddress(parsing: string, field: "address")
    }

    /// Makes a mailbox from an address and a display name (trimmed of surrounding spaces), checking both.
    public init(address: String, displayName: String? = nil) throws(EmailValidationError) {
        try self.init(address: address, displayName: displayName, field: "address")
    }

    init(address: String, displayName: String?, field: String) throws(EmailValidationError) {
        let displayName = displayName.map(Self.trimmingSpaces)
        if let displayName {
            try Self.checkDisplayName(displayName, field: field)
        }
        self.address = try Self.checkedAddress(address, field: field)
        self.displayName = displayName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The part before the last `@`, quotes included when the local part is a quoted string.
    public var localPart: Substring {
        address[..<atSign]
    }

    /// The part after the last `@`: a host name or an address literal such as `[192.0.2.1]`.
    public var domain: Substring {
        address[address.utf8.index(after: atSign)...]
    }

    /// The last `@`, found by byte: as a character, an `@` followed by a combining mark is not "@".
    private var atSign: String.Index {
        address.utf8.lastIndex(of: UInt8(ascii: "@"))!
    }

    /// Whether the address has non-ASCII characters (only a local part can: domains are kept as A-labels),
    /// so that sending it needs SMTPUTF8 (RFC 6531). A non-ASCII display name does not: it is written as
    /// RFC 2047 encoded words.
    public var needsSMTPUTF8: Bool {
        !address.utf8.allSatisfy { $0 < 0x80 }
    }

    /// The mailbox as the JSON form writes it: the address, or `"Display Name" <address>`.
    public var description: String {
        guard let displayName else { return address }
        // By Unicode scalar: a quote or backslash followed by a combining mark is still escaped.
        var quoted = String.UnicodeScalarView(["\""])
        for scalar in displayName.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.append("\\") }
            quoted.append(scalar)
        }
        return String(quoted) + "\" <" + address + ">"
    }
}
