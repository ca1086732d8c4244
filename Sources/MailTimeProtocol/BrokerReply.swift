import NIOCore

/// A reply of the MailTime protocol: one `OK` or `ERR` line, perhaps followed by data lines
/// (and their payloads).
public struct BrokerReply: Equatable, Sendable {
    /// The first line, without CRLF.
    public var line: String
    /// Data lines that follow it (`JOB …`).
    public var dataLines: [ReplyLine]

    public init(line: String, dataLines: [ReplyLine] = []) {
        self.line = line
        self.dataLines = dataLines
    }

    /// `OK` followed by `text`, if any.
    public static func ok(_ text: String = "") -> BrokerReply {
        BrokerReply(line: text.isEmpty ? "OK" : "OK \(text)")
    }

    /// `OK <n>` followed by `n` data lines.
    public static func okLines(_ lines: [ReplyLine]) -> BrokerReply {
        BrokerReply(line: "OK \(lines.count)", dataLines: lines)
    }

    /// `ERR <CODE> <sentence>`.
    public static func error(_ error: ProtocolError) -> BrokerReply {
        BrokerReply(line: error.line)
    }

    /// Whether the reply is an error.
    public var isError: Bool { line.hasPrefix("ERR ") }

    /// Writes the reply's lines and payloads, each ended by CRLF.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeString(line)
        buffer.writeStaticString("\r\n")
        for data in dataLines {
            buffer.writeString(data.text)
            buffer.writeStaticString("\r\n")
            if let payload = data.payload {
                buffer.writeBytes(payload)
                buffer.writeStaticString("\r\n")
            }
        }
    }
}
