import Foundation

/// Internationalised domain names as A-labels (RFC 5890, RFC 5891 §4 and §5), the form every mail
/// server and DNS resolver accepts.
///
/// A domain with non-ASCII characters is normalised to NFC and lower-cased; each label with
/// non-ASCII characters must then be a U-label (letters, marks, digits and hyphens, not starting with a
/// mark or a hyphen, no `--` in its third and fourth places) and is written as `xn--` and its Punycode.
/// An ASCII label that starts with `xn--` must be a valid A-label. This is a subset of IDNA2008's
/// rules: it allows the letters, marks and digits of every script rather than checking RFC 5892's
/// tables code point by code point, and has no contextual rules (so ZWJ and ZWNJ are refused).
public enum IDNA {
    /// The longest label (RFC 1035 §2.3.4).
    static let maximumLabelLength = 63
    /// The longest domain name without its trailing dot.
    static let maximumDomainLength = 253
    private static let acePrefix = "xn--"

    /// Why a domain cannot be written with A-labels.
    public struct Problem: Error, Hashable, Sendable {
        /// A sentence fragment for an error message: "the label \"…\" …".
        public var reason: String
    }

    /// Whether `domain` has a label that IDNA processing would change or check: a non-ASCII
    /// character, or an `xn--` label.
    public static func needsProcessing(_ domain: some StringProtocol) -> Bool {
        var afterDot = true
        var utf8 = domain.utf8[...]
        while let byte = utf8.first {
            if byte >= 0x80 { return true }
            if afterDot && utf8.count >= 4 && utf8.prefix(4).map({ $0 | 0x20 }) == Array("xn--".utf8).map({ $0 | 0x20 }) {
                return true
            }
            afterDot = byte == UInt8(ascii: ".")
            utf8 = utf8.dropFirst()
        }
        return false
    }

    /// `domain` with every non-ASCII label as an A-label; a domain with none is returned unchanged
    /// (its ASCII letters keep their case).
    public static func asciiDomain(_ domain: some StringProtocol) -> Result<String, Problem> {
        let isASCII = domain.utf8.allSatisfy { $0 < 0x80 }
        let prepared = isASCII ? String(domain) : String(domain).lowercased().precomposedStringWithCanonicalMapping
        var labels: [String] = []
        // By scalars: a combining mark after a dot makes one Character of the two.
        for labelScalars in prepared.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false) {
            let label = Substring(labelScalars)
            if label.isEmpty { return .failure(Problem(reason: "the domain has an empty label")) }
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                if label.lowercased().hasPrefix(acePrefix), let problem = aLabelProblem(label) {
                    return .failure(problem)
                }
                labels.append(String(label))
                continue
            }
            if let problem = uLabelProblem(label) { return .failure(problem) }
            guard let encoded = Punycode.encode(label.unicodeScalars) else {
                return .failure(Problem(reason: "the label \(EmailValidationError.quoted(String(label))) cannot be encoded"))
            }
            let aLabel = acePrefix + encoded
            guard aLabel.utf8.count <= maximumLabelLength else {
                return .failure(
                    Problem(
                        reason:
                            "the label \(EmailValidationError.quoted(String(label))) is \(aLabel.utf8.count) octets as an A-label, "
                            + "more than \(maximumLabelLength)"
                    ))
            }
            labels.append(aLabel)
        }
        let result = labels.joined(separator: ".")
        guard result.utf8.count <= maximumDomainLength else {
            return .failure(
                Problem(reason: "the domain is \(result.utf8.count) octets with A-labels, more than \(maximumDomainLength)")
            )
        }
        return .success(result)
    }

    /// What keeps `label` (NFC, lower case, with a non-ASCII character) from being a U-label, or nil.
    static func uLabelProblem(_ label: Substring) -> Problem? {
        let quoted = EmailValidationError.quoted(String(label))
        let scalars = Array(label.unicodeScalars)
        if scalars.first == "-" || scalars.last == "-" {
            return Problem(reason: "the label \(quoted) starts or ends with a hyphen")
        }
        if scalars.count >= 4 && scalars[2] == "-" && scalars[3] == "-" {
            return Problem(reason: "the label \(quoted) has \"--\" in its third and fourth places")
        }
        if let first = scalars.first, isMark(first) {
            return Problem(reason: "the label \(quoted) starts with a combining mark")
        }
        for scalar in scalars where !isAllowed(scalar) {
            return Problem(
                reason: "the label \(quoted) has U+\(String(scalar.value, radix: 16, uppercase: true)), which a domain name cannot hold"
            )
        }
        return nil
    }

    /// What keeps `label` (ASCII, starting with `xn--` in any case) from being an A-label, or nil:
    /// it must decode to a U-label that encodes back to it.
    static func aLabelProblem(_ label: Substring) -> Problem? {
        let lowered = label.lowercased()
        let encoded = lowered.dropFirst(acePrefix.count)
        guard let scalars = Punycode.decode(encoded), !scalars.isEmpty else {
            return Problem(reason: "the label \(EmailValidationError.quoted(String(label))) is not valid Punycode")
        }
        var decoded = String.UnicodeScalarView()
        decoded.append(contentsOf: scalars)
        let uLabel = String(decoded)
        guard uLabel.lowercased().precomposedStringWithCanonicalMapping == uLabel, uLabelProblem(uLabel[...]) == nil,
            Punycode.encode(scalars) == String(encoded)
        else {
            return Problem(reason: "the label \(EmailValidationError.quoted(String(label))) is not a valid A-label")
        }
        return nil
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    /// ASCII letters, digits and hyphen; other letters, marks and decimal digits.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return EmailAddress.isLetterDigitHyphen(UInt8(scalar.value))
        }
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .otherLetter, .modifierLetter, .nonspacingMark, .spacingMark, .decimalNumber: return true
        default: return false
        }
    }
}
