import NIOCore

/// A command the client sends (RFC 5321 §4.1, RFC 3207, RFC 4954).
enum SMTPCommand: Hashable, Sendable, CustomStringConvertible {
    case ehlo(String)
    case helo(String)
    case startTLS
    /// `AUTH <mechanism> [initial-response]`; the response is base64 text.
    case authenticate(mechanism: String, initialResponse: String?)
    /// A base64 line answering a 334 challenge (empty to cancel or acknowledge).
    case authenticationResponse(String)
    /// `MAIL FROM:<path> params`; an empty path is the null sender.
    case mail(from: String, parameters: [String])
    case recipient(to: String, parameters: [String])
    case data
    case reset
    case noop
    case quit

    /// Appends the command and its CRLF to `buffer`.
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .ehlo(let name): buffer.writeString("EHLO \(name)\r\n")
        case .helo(let name): buffer.writeString("HELO \(name)\r\n")
        case .startTLS: buffer.writeString("STARTTLS\r\n")
        case .authenticate(let mechanism, let response?): buffer.writeString("AUTH \(mechanism) \(response)\r\n")
        case .authenticate(let mechanism, nil): buffer.writeString("AUTH \(mechanism)\r\n")
        case .authenticationResponse(let response): buffer.writeString("\(response)\r\n")
        case .mail(let from, let parameters): Self.write("MAIL FROM:<", path: from, parameters, into: &buffer)
        case .recipient(let to, let parameters): Self.write("RCPT TO:<", path: to, parameters, into: &buffer)
        case .data: buffer.writeString("DATA\r\n")
        case .reset: buffer.writeString("RSET\r\n")
        case .noop: buffer.writeString("NOOP\r\n")
        case .quit: buffer.writeString("QUIT\r\n")
        }
    }

    /// The command as logs may show it: credentials are redacted.
    var description: String {
        switch self {
        case .authenticate(let mechanism, let response):
            return response == nil ? "AUTH \(mechanism)" : "AUTH \(mechanism) <redacted>"
        case .authenticationResponse:
            return "<redacted>"
        default:
            var buffer = ByteBuffer()
            write(into: &buffer)
            return String(buffer.readString(length: buffer.readableBytes - 2) ?? "")
        }
    }

    /// Writes `<command><path>>`, a space before each parameter, and CRLF, piece by piece.
    private static func write(_ command: StaticString, path: String, _ parameters: [String], into buffer: inout ByteBuffer) {
        buffer.writeStaticString(command)
        buffer.writeString(path)
        buffer.writeInteger(UInt8(ascii: ">"))
        for parameter in parameters {
            buffer.writeInteger(UInt8(ascii: " "))
            buffer.writeString(parameter)
        }
        buffer.writeStaticString("\r\n")
    }
}
