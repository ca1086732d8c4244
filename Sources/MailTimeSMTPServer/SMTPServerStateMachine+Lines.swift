import NIOCore

extension SMTPServerStateMachine {
    /// One command line taken from the buffer.
    enum Line: Equatable {
        /// A line without its CRLF.
        case line(String)
        /// The line was over the limit; its octets were dropped.
        case tooLong
        /// The line ended with a bare LF or had a bare CR.
        case badLineEnding
        /// The line is not UTF-8.
        case invalidUTF8
    }

    /// The next complete command line, or `nil` until one has arrived. The octets of a line longer than
    /// any limit are dropped as they come, so that the buffer stays small.
    mutating func nextLine() -> Line? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: 0x0A) else {
            if buffer.readableBytes > Self.maximumAuthLineLength {
                isDiscardingLine = true
                buffer.clear()
            }
            return nil
        }
        let length = newline - view.startIndex + 1
        defer { buffer.moveReaderIndex(forwardBy: length) }
        if isDiscardingLine {
            isDiscardingLine = false
            return .tooLong
        }
        let hasCRLF = length >= 2 && view[newline - 1] == 0x0D
        let content = view[view.startIndex..<(hasCRLF ? newline - 1 : newline)]
        guard hasCRLF, !content.contains(0x0D) else { return .badLineEnding }
        guard length <= lineLimit(for: content) else { return .tooLong }
        guard let text = String(validating: content, as: UTF8.self) else { return .invalidUTF8 }
        return .line(text)
    }

    /// 12,288 octets for AUTH and its responses (RFC 4954 §4), 512 for other commands.
    private func lineLimit(for content: ByteBufferView.SubSequence) -> Int {
        switch state {
        case .authPlainResponse, .authLoginUsername, .authLoginPassword:
            return Self.maximumAuthLineLength
        default:
            let prefix = content.prefix(5).map { $0 & 0xDF }
            return prefix.elementsEqual("AUTH ".utf8.map { $0 & 0xDF }) ? Self.maximumAuthLineLength : Self.maximumCommandLineLength
        }
    }
}
