import Foundation

extension EmailAddress {
    /// The longest address RFC 5321 lets through a path (256 octets with the angle brackets).
    static let maximumAddressLength = 254
    /// RFC 5321 §4.5.3.1.1.
    static let maximumLocalPartLength = 64
    /// RFC 5321 §4.5.3.1.2.
    static let maximumDomainLength = 255
    /// The longest display name: far more than a name needs, and bounded because addresses do not count
    /// towards the email's size limit.
    static let maximumDisplayNameLength = 1024

    /// Parses a mailbox string; errors name `field`.
    package init(parsing string: String, field: String) throws(EmailValidationError) {
        if string.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            throw EmailValidationError(
                .headerInjection,
                "\(field): \(EmailValidationError.quoted(string)) contains a line break (header injection)"
            )
        }
        let trimmed = Self.trimmingSpaces(string)
        guard trimmed.hasSuffix(">") else {
            try self.init(address: trimmed, displayName: nil, field: field)
            return
        }
        guard let open = Self.angleBracketStart(trimmed) else {
            throw Self.invalid(string, field: field, "it ends with \">\" but has no \"<\"")
        }
        let address = String(trimmed[trimmed.unicodeScalars.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        let phrase = Self.trimmingSpaces(trimmed[..<open])
        let displayName = Self.unquoted(phrase) ?? phrase
        try self.init(address: address, displayName: displayName, field: field)
    }

    /// Reads a mailbox string that was checked when it was made (the stored JSON form, say) without
    /// checking it again: the same split into display name and address as ``init(parsing:field:)``.
    init(trusting string: String) {
        let trimmed = Self.trimmingSpaces(string)
        guard trimmed.hasSuffix(">"), let open = Self.angleBracketStart(trimmed) else {
            address = Self.storedAddress(trimmed)
            displayName = nil
            return
        }
        address = Self.storedAddress(String(trimmed[trimmed.unicodeScalars.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
        let phrase = Self.trimmingSpaces(trimmed[..<open])
        let name = Self.trimmingSpaces(Self.unquoted(phrase) ?? phrase)
        displayName = name.isEmpty ? nil : name
    }

    /// `text` without the spaces and tabs around it.
    static func trimmingSpaces(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(text[first...last])
    }

    static func trimmingSpaces(_ text: String) -> String {
        // Most strings have nothing to trim: keep them rather than copy them.
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = text.utf8.first, let last = text.utf8.last, isSpace(first) || isSpace(last) else { return text }
        return trimmingSpaces(text[...])
    }

    /// The first `<` outside a quoted display name. Quotes, backslashes and brackets are found by
    /// Unicode scalar: as characters, a combining mark after one would hide it.
    private static func angleBracketStart(_ string: String) -> String.Index? {
        var inQuotes = false
        var escaped = false
        let scalars = string.unicodeScalars
        for index in scalars.indices {
            let scalar = scalars[index]
            if escaped {
                escaped = false
            } else if inQuotes && scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && scalar == "<" {
                return index
            }
        }
        return nil
    }

    /// The content of `phrase` when all of it is one quoted string, with escapes removed; otherwise nil.
    /// Read by Unicode scalar, as ``angleBracketStart(_:)`` reads.
    private static func unquoted(_ phrase: String) -> String? {
        let scalars = phrase.unicodeScalars
        guard scalars.count >= 2, scalars.first == "\"" else { return nil }
        var result = String.UnicodeScalarView()
        var escaped = false
        var index = scalars.index(after: scalars.startIndex)
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if escaped {
                result.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                return scalars.index(after: index) == scalars.endIndex ? String(result) : nil
            } else {
                result.append(scalar)
            }
            index = scalars.index(after: index)
        }
        return nil
    }

    static func checkDisplayName(_ name: String, field: String) throws(EmailValidationError) {
        guard name.utf8.count <= maximumDisplayNameLength else {
            throw EmailValidationError(
                .invalidAddress,
                "\(field): the display name is longer than \(maximumDisplayNameLength) bytes (\(name.utf8.count))"
            )
        }
        for scalar in name.unicodeScalars {
            if scalar == "\r" || scalar == "\n" {
                throw EmailValidationError(
                    .headerInjection,
                    "\(field): the display name \(EmailValidationError.quoted(name)) contains a line break (header injection)"
                )
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                throw EmailValidationError(
                    .invalidAddress,
                    "\(field): the display name \(EmailValidationError.quoted(name)) contains a control character"
                )
            }
        }
    }

    /// `address` checked, with its domain as A-labels when it has non-ASCII characters (see ``IDNA``).
    static func checkedAddress(_ address: String, field: String) throws(EmailValidationError) -> String {
        if address.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            throw EmailValidationError(
                .headerInjection,
                "\(field): \(EmailValidationError.quoted(address)) contains a line break (header injection)"
            )
        }
        // RFC 6531 §3.3 counts a UTF-8 address's length in octets too; checked first, it also bounds the
        // work of converting the domain.
        if address.utf8.count > maximumAddressLength {
            throw invalid(address, field: field, "it is longer than \(maximumAddressLength) octets")
        }
        var checked = address
        // By scalars: a combining mark after "@" makes one Character of the two.
        let scalars = address.unicodeScalars
        if let at = scalars.lastIndex(of: "@") {
            let domain = Substring(scalars[scalars.index(after: at)...])
            if IDNA.needsProcessing(domain) {
                switch IDNA.asciiDomain(domain) {
                case .success(let ascii): checked = String(scalars[..<at]) + "@" + ascii
                case .failure(let problem): throw invalid(address, field: field, problem.reason)
                }
            }
        }
        if let reason = syntaxProblem(checked) {
            throw invalid(address, field: field, reason)
        }
        return checked
    }

    /// The address of a mailbox stored before domains were kept as A-labels, with its domain converted;
    /// unchanged when it needs no conversion or cannot have one.
    private static func storedAddress(_ address: String) -> String {
        let scalars = address.unicodeScalars
        guard let at = scalars.lastIndex(of: "@"), !scalars[scalars.index(after: at)...].allSatisfy(\.isASCII),
            case .success(let domain) = IDNA.asciiDomain(Substring(scalars[scalars.index(after: at)...]))
        else { return address }
        return String(scalars[..<at]) + "@" + domain
    }

    private static func invalid(_ value: String, field: String, _ reason: String) -> EmailValidationError {
        EmailValidationError(
            .invalidAddress,
            "\(field): \(EmailValidationError.quoted(value)) is not a valid address (RFC 5321): \(reason)"
        )
    }

    /// What is wrong with `address` as an RFC 5321 mailbox (with RFC 6531 UTF-8 in the local part; the
    /// domain is ASCII by now, A-labels included), or nil when it is valid.
    ///
    /// Works on UTF-8 bytes: any non-ASCII byte of the local part belongs to a character that RFC 6531
    /// allows, except the C1 controls (U+0080 to U+009F), which are refused.
    static func syntaxProblem(_ address: String) -> String? {
        let bytes = Array(address.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > maximumAddressLength {
            return "it is longer than \(maximumAddressLength) octets"
        }
        for index in bytes.indices.dropLast() where bytes[index] == 0xC2 && bytes[index + 1] < 0xA0 {
            return "it has a control character"
        }
        let at: Int
        if bytes[0] == UInt8(ascii: "\"") {
            guard let end = quotedStringEnd(bytes) else {
                return "the quoted local part is not closed or has a character it cannot hold"
            }
            guard end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: "@") else {
                return "the quoted local part must be followed by \"@\""
            }
            at = end + 1
        } else {
            guard let lastAt = bytes.lastIndex(of: UInt8(ascii: "@")) else { return "it has no \"@\"" }
            if let problem = dotAtomProblem(bytes[..<lastAt]) { return problem }
            at = lastAt
        }
        if at > maximumLocalPartLength {
            return "the local part is longer than \(maximumLocalPartLength) octets"
        }
        return domainProblem(bytes[(at + 1)...])
    }

    /// The index of the closing quote of the quoted string starting at index 0, if it is well formed.
    private static func quotedStringEnd(_ bytes: [UInt8]) -> Int? {
        var index = 1
        while index < bytes.count {
            switch bytes[index] {
            case 0x22: return index
            case 0x5C:
                guard index + 1 < bytes.count, (0x20...0x7E).contains(bytes[index + 1]) else { return nil }
                index += 2
                continue
            case 0x20...0x7E, 0x80...: break
            default: return nil
            }
            index += 1
        }
        return nil
    }

    private static func dotAtomProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.isEmpty { return "the local part is empty" }
        if bytes.first == UInt8(ascii: ".") || bytes.last == UInt8(ascii: ".") {
            return "the local part starts or ends with a dot"
        }
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return "the local part has two dots in a row" }
            if byte != UInt8(ascii: ".") && byte < 0x80 && !isAtomText(Unicode.Scalar(byte)) {
                return "the local part has \(EmailValidationError.quoted(String(Unicode.Scalar(byte)))), which needs quoting"
            }
            previous = byte
        }
        return nil
    }

    /// RFC 5322 atext, extended with UTF-8 by RFC 6532.
    static func isAtomText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: return true
        case 0xA0...: return true
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    private static func domainProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.isEmpty { return "the domain is missing" }
        if bytes.count > maximumDomainLength {
            return "the domain is longer than \(maximumDomainLength) octets"
        }
        if bytes.first == UInt8(ascii: "[") {
            guard bytes.last == UInt8(ascii: "]"), bytes.count > 2 else { return "the address literal is not closed" }
            let literal = String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
            if literal.hasPrefix("IPv6:") {
                var storage = in6_addr()
                return inet_pton(AF_INET6, String(literal.dropFirst(5)), &storage) == 1
                    ? nil : "the address literal is not an IPv6 address"
            }
            return isIPv4(literal) ? nil : "the address literal is not an IPv4 address or IPv6:…"
        }
        var labelStart = bytes.startIndex
        var labelCount = 0
        var lastLabel = bytes[labelStart..<labelStart]
        while labelStart <= bytes.endIndex {
            let labelEnd = bytes[labelStart...].firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
            let label = bytes[labelStart..<labelEnd]
            labelCount += 1
            lastLabel = label
            labelStart = labelEnd + 1
            if label.isEmpty { return "the domain has an empty label" }
            if label.count > 63 { return "a domain label is longer than 63 octets" }
            if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                return "a domain label starts or ends with a hyphen"
            }
            if let byte = label.first(where: { !isLetterDigitHyphen($0) }) {
                return "the domain has \(EmailValidationError.quoted(String(Unicode.Scalar(byte)))), which no host name can hold"
            }
        }
        if labelCount > 1, lastLabel.allSatisfy({ (0x30...0x39).contains($0) }) {
            return "the domain ends with a numeric label; write an IP address as [192.0.2.1]"
        }
        return nil
    }

    /// An ASCII letter, digit or hyphen: what a host name's labels are made of.
    static func isLetterDigitHyphen(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D
    }

    private static func isIPv4(_ literal: String) -> Bool {
        let parts = literal.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber }
                    && Int(part)! <= 255
            }
    }
}
