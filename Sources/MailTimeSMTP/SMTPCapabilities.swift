/// The SMTP service extensions a server announced in its EHLO reply (none after HELO).
public struct SMTPCapabilities: Hashable, Sendable {
    /// STARTTLS (RFC 3207).
    public var startTLS = false
    /// AUTH mechanisms (RFC 4954), upper-cased.
    public var authenticationMechanisms: Set<String> = []
    /// PIPELINING (RFC 2920).
    public var pipelining = false
    /// SIZE (RFC 1870): present when announced; the limit in octets, 0 meaning none declared.
    public var maximumSize: Int?
    /// 8BITMIME (RFC 6152).
    public var eightBitMIME = false
    /// SMTPUTF8 (RFC 6531).
    public var smtpUTF8 = false
    /// ENHANCEDSTATUSCODES (RFC 2034).
    public var enhancedStatusCodes = false
    /// DSN (RFC 3461).
    public var deliveryStatusNotifications = false
    /// Whether the session started with EHLO (false after the fallback to HELO).
    public var isExtended = false

    public init() {}

    /// Reads an EHLO reply: each line after the first names one extension and its parameters.
    public init(ehloReply reply: SMTPReply) {
        isExtended = true
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "PIPELINING": pipelining = true
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            case "DSN": deliveryStatusNotifications = true
            case "SIZE": maximumSize = words.count > 1 ? Int(words[1]) ?? 0 : 0
            case "AUTH": authenticationMechanisms.formUnion(words.dropFirst())
            default:
                // Old servers announce `AUTH=LOGIN PLAIN`.
                if keyword.hasPrefix("AUTH=") {
                    authenticationMechanisms.insert(String(keyword.dropFirst(5)))
                    authenticationMechanisms.formUnion(words.dropFirst())
                }
            }
        }
    }
}
