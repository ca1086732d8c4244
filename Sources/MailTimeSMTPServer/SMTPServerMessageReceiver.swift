import NIOCore

/// Collects one message's octets (DATA after unstuffing, or BDAT chunks) and notes what makes it
/// unacceptable: over the size limit, a line over 1,000 octets, a bare CR or LF, a NUL, or 8-bit octets
/// that were not declared.
struct SMTPServerMessageReceiver {
    /// The longest message line, CRLF included (RFC 5321 §4.5.3.1.6).
    static let maximumLineLength = 1000
    private static let lineEnding: [UInt8] = [0x0D, 0x0A]

    private(set) var message = ByteBuffer()
    /// The message's size so far, counted even after it passed the limit.
    private(set) var size = 0
    private(set) var isOversized = false
    private(set) var hasLongLine = false
    private(set) var hasBareLineEnding = false
    private(set) var hasNUL = false
    private(set) var hasEightBit = false
    /// Octets of the current line on the wire so far (a stuffed dot included).
    private var lineLength = 0
    private var lastWasCR = false
    /// Whether the last line ended with CRLF (or nothing was received): only then does a `.` start a
    /// line in the SMTP sense.
    private var lastLineEndedWithCRLF = true
    private let maximumSize: Int

    init(maximumSize: Int) {
        self.maximumSize = maximumSize
    }

    /// Whether the next octet starts a line that follows a CRLF (where DATA's `.` has a meaning).
    var isAtLineStart: Bool { lineLength == 0 && lastLineEndedWithCRLF && !lastWasCR }

    /// Whether the message ended with an unpaired CR (checked at the end of BDAT data).
    var endsWithBareCR: Bool { lastWasCR }

    /// Counts one octet that is on the wire but not in the message (DATA's stuffed dot).
    mutating func skipped() {
        lineLength += 1
    }

    /// Adds `bytes` to the message, checking each octet.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var lineLength = self.lineLength
        var lastWasCR = self.lastWasCR
        for byte in bytes {
            lineLength += 1
            if byte == 0x0A {
                if !lastWasCR { hasBareLineEnding = true }
                if lineLength > Self.maximumLineLength { hasLongLine = true }
                lastLineEndedWithCRLF = lastWasCR
                lineLength = 0
                lastWasCR = false
                continue
            }
            if lastWasCR { hasBareLineEnding = true }
            lastWasCR = byte == 0x0D
            if byte == 0 { hasNUL = true }
            if byte >= 0x80 { hasEightBit = true }
        }
        if lineLength > Self.maximumLineLength { hasLongLine = true }
        self.lineLength = lineLength
        self.lastWasCR = lastWasCR
        size += bytes.count
        guard !isOversized else { return }
        if size > maximumSize {
            isOversized = true
            message = ByteBuffer()
        } else {
            message.writeBytes(bytes)
        }
    }

    /// Ends a non-empty message that does not end with a line ending with CRLF (BDAT data need not).
    mutating func terminateLastLine() {
        guard size > 0, !(lineLength == 0 && !lastWasCR) else { return }
        Self.lineEnding.withUnsafeBytes { append($0) }
    }
}
