import MailTimeSMTP
import NIOCore

/// One reply of the SMTP server: a three-digit code, an optional RFC 3463 enhanced status code and one
/// or more lines of text (a multiline reply such as EHLO's).
public struct SMTPServerReply: Hashable, Sendable, CustomStringConvertible {
    /// The reply code, 200 to 599.
    public var code: Int
    /// The enhanced status code written at the start of each line's text (RFC 2034), if any.
    public var enhancedCode: EnhancedStatusCode?
    /// The lines of text, at least one; CR and LF are replaced by spaces.
    public var lines: [String]

    /// A one-line reply, e.g. `SMTPServerReply(code: 451, enhancedCode: .init(statusClass: 4, subject: 3, detail: 0), text: "storage trouble")`.
    public init(code: Int, enhancedCode: EnhancedStatusCode?, text: String) {
        self.init(code: code, enhancedCode: enhancedCode, lines: [text])
    }

    /// A reply of several lines (at least one).
    public init(code: Int, enhancedCode: EnhancedStatusCode?, lines: [String]) {
        precondition((200...599).contains(code), "an SMTP reply code is 200 to 599")
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = (lines.isEmpty ? [""] : lines).map(Self.oneLine)
    }

    init(_ code: Int, _ enhanced: (Int, Int, Int)?, _ text: String) {
        self.init(
            code: code,
            enhancedCode: enhanced.map { EnhancedStatusCode(statusClass: $0.0, subject: $0.1, detail: $0.2) },
            text: text
        )
    }

    /// Whether the reply is a 2xx.
    public var isPositive: Bool { (200..<300).contains(code) }

    /// The reply as written on the wire, every line ended by CRLF.
    public var description: String {
        var text = ""
        for (index, line) in lines.enumerated() {
            text += "\(code)\(index == lines.count - 1 ? " " : "-")"
            if let enhancedCode { text += "\(enhancedCode) " }
            text += line + "\r\n"
        }
        return text
    }

    /// Appends the reply as written on the wire to `buffer` (the same octets as ``description``).
    func write(to buffer: inout ByteBuffer) {
        for (index, line) in lines.enumerated() {
            Self.writeDecimal(code, to: &buffer)
            buffer.writeInteger(index == lines.count - 1 ? UInt8(ascii: " ") : UInt8(ascii: "-"))
            if let enhancedCode {
                Self.writeDecimal(enhancedCode.statusClass, to: &buffer)
                buffer.writeInteger(UInt8(ascii: "."))
                Self.writeDecimal(enhancedCode.subject, to: &buffer)
                buffer.writeInteger(UInt8(ascii: "."))
                Self.writeDecimal(enhancedCode.detail, to: &buffer)
                buffer.writeInteger(UInt8(ascii: " "))
            }
            buffer.writeString(line)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Writes a non-negative number in decimal without making a string.
    private static func writeDecimal(_ number: Int, to buffer: inout ByteBuffer) {
        guard number >= 10 else {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: max(number, 0)))
            return
        }
        writeDecimal(number / 10, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: number % 10))
    }

    private static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }
}
