import NIOCore

/// Reads SMTP replies (RFC 5321 §4.2) from the bytes a server sent: `250-first`, `250-…`, `250 last`.
///
/// Pure: it takes what has arrived and returns each complete reply; bytes of an unfinished reply
/// stay in the buffer.
package struct SMTPReplyParser {
    /// The longest reply line accepted. RFC 5321 allows 512 octets; real servers send longer text.
    static let maximumLineLength = 4096
    /// The most lines one reply may have (an EHLO reply has one per extension).
    static let maximumLineCount = 128

    private var code: Int?
    private var lines: [String] = []

    package init() {}

    /// The next complete reply in `buffer`, consuming its lines; `nil` when more bytes are needed.
    package mutating func next(from buffer: inout ByteBuffer) throws(SMTPError) -> SMTPReply? {
        while let line = try Self.readLine(from: &buffer) {
            guard line.count >= 3,
                let code = Self.replyCode(line),
                line.count == 3 || line[line.startIndex + 3] == UInt8(ascii: " ") || line[line.startIndex + 3] == UInt8(ascii: "-")
            else {
                throw SMTPError(.protocolViolation, "the server sent a line that is not a reply: \(Self.printable(line))")
            }
            if let expected = self.code, expected != code {
                throw SMTPError(.protocolViolation, "a multiline reply changed its code from \(expected) to \(code)")
            }
            self.code = code
            let isLast = line.count == 3 || line[line.startIndex + 3] == UInt8(ascii: " ")
            lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
            if isLast {
                // Taken rather than copied, so that the reply can strip its lines in place.
                var reply: [String] = []
                swap(&reply, &lines)
                self.code = nil
                return Self.reply(code: code, lines: reply)
            }
            if lines.count >= Self.maximumLineCount {
                throw SMTPError(.protocolViolation, "a reply has more than \(Self.maximumLineCount) lines")
            }
        }
        return nil
    }

    /// Whether part of a reply has been read: its first lines, or bytes in `buffer`.
    func hasPartialReply(in buffer: ByteBuffer) -> Bool {
        code != nil || buffer.readableBytes > 0
    }

    /// The next line, without its line ending, read in place: a view of `buffer`'s bytes.
    private static func readLine(from buffer: inout ByteBuffer) throws(SMTPError) -> ByteBufferView? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > maximumLineLength {
                throw SMTPError(.protocolViolation, "a reply line is longer than \(maximumLineLength) octets")
            }
            return nil
        }
        let length = newline - view.startIndex
        guard length <= maximumLineLength else {
            throw SMTPError(.protocolViolation, "a reply line is longer than \(maximumLineLength) octets")
        }
        buffer.moveReaderIndex(forwardBy: length + 1)
        let line = view[view.startIndex..<newline]
        return line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }

    private static func replyCode(_ line: ByteBufferView) -> Int? {
        let digits = line.prefix(3)
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (200...599).contains(code) ? code : nil
    }

    /// A reply, with the enhanced status code taken off each line when the first line has one.
    private static func reply(code: Int, lines: consuming [String]) -> SMTPReply {
        guard let first = lines.first, let status = EnhancedStatusCode(prefixOf: first),
            status.statusClass == code / 100
        else {
            return SMTPReply(code: code, lines: lines)
        }
        var stripped = consume lines
        for index in stripped.indices where EnhancedStatusCode(prefixOf: stripped[index]) == status {
            stripped[index] = String(stripped[index].drop { $0 != " " }.drop { $0 == " " })
        }
        return SMTPReply(code: code, enhancedStatusCode: status, lines: stripped)
    }

    private static func printable(_ line: ByteBufferView) -> String {
        String(decoding: line.prefix(80), as: UTF8.self).unicodeScalars
            .map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "?" }.joined()
    }
}
