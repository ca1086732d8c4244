import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SMTPServerStateMachine {
    /// Takes DATA's lines from the buffer up to the final `.`; returns the reply or the delivery when
    /// the message has ended, `nil` when more is needed.
    mutating func receiveData() -> Action? {
        // The envelope is taken out while its content grows, so that the message buffer is never copied.
        guard var envelope else { return nil }
        self.envelope = nil
        let (consumed, isComplete) = buffer.withUnsafeReadableBytes { bytes in
            Self.unstuff(bytes, into: &envelope.content)
        }
        self.envelope = envelope
        buffer.moveReaderIndex(forwardBy: consumed)
        return isComplete ? finishMessage(isChunked: false) : nil
    }

    /// Adds the message lines in `bytes` to `content`, dot-stuffing undone, up to the final `.` line.
    /// Returns how many octets were used and whether the final line was among them; the octets of a
    /// line that may still turn out to be the final one are left for the next call.
    private static func unstuff(_ bytes: UnsafeRawBufferPointer, into content: inout SMTPServerMessageReceiver) -> (Int, Bool) {
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            if content.isAtLineStart, bytes[offset] == UInt8(ascii: ".") {
                guard remaining >= 3 || (remaining == 2 && bytes[offset + 1] != 0x0D) else { return (offset, false) }
                if remaining >= 3, bytes[offset + 1] == 0x0D, bytes[offset + 2] == 0x0A {
                    return (offset + 3, true)
                }
                // Dot-stuffing (RFC 5321 §4.5.2): the first dot is not part of the message.
                offset += 1
                content.skipped()
                continue
            }
            let start = bytes.baseAddress! + offset
            let length = memchr(start, 0x0A, remaining).map { $0 - UnsafeMutableRawPointer(mutating: start) + 1 } ?? remaining
            content.append(UnsafeRawBufferPointer(start: start, count: length))
            offset += length
        }
        return (offset, false)
    }

    /// Takes the octets of the BDAT chunk under way; returns its reply (or the delivery after the last
    /// chunk) once all of them have arrived, `nil` when more are needed.
    mutating func receiveChunk() -> Action? {
        guard case .bdat(var remaining, let size, let isLast, let refusal) = state else { return nil }
        if remaining > 0, buffer.readableBytes > 0 {
            let count = min(remaining, buffer.readableBytes)
            if refusal == nil, var envelope {
                self.envelope = nil
                buffer.withUnsafeReadableBytes { envelope.content.append(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
                self.envelope = envelope
            }
            buffer.moveReaderIndex(forwardBy: count)
            remaining -= count
            state = .bdat(remaining: remaining, size: size, isLast: isLast, refusal: refusal)
        }
        guard remaining == 0 else { return nil }
        state = .command
        if let refusal { return respond(refusal) }
        if envelope?.content.isOversized == true {
            envelope = nil
            return .reply(SMTPServerReply(552, (5, 3, 4), "Message size exceeds fixed maximum message size"))
        }
        guard isLast else { return .reply(SMTPServerReply(250, (2, 0, 0), "\(size) octets received")) }
        return finishMessage(isChunked: true)
    }

    /// The message is complete: refuses it for the first problem found, or hands it to the delegate.
    private mutating func finishMessage(isChunked: Bool) -> Action {
        state = .command
        guard var envelope else { return .awaitInput }
        self.envelope = nil
        let content = envelope.content
        if content.isOversized {
            return .reply(SMTPServerReply(552, (5, 3, 4), "Message size exceeds fixed maximum message size"))
        }
        if content.hasLongLine {
            return .reply(SMTPServerReply(500, (5, 5, 2), "Message has a line longer than 1000 octets"))
        }
        if content.hasBareLineEnding || (isChunked && content.endsWithBareCR) {
            return .reply(SMTPServerReply(554, (5, 6, 0), "Message has a bare CR or LF (RFC 5321 section 2.3.8)"))
        }
        if content.hasNUL {
            return .reply(SMTPServerReply(554, (5, 6, 0), "Message has a NUL octet"))
        }
        if content.hasEightBit, envelope.bodyType == .sevenBit, !envelope.isSMTPUTF8 {
            return .reply(SMTPServerReply(554, (5, 6, 0), "Message has 8-bit octets; send MAIL with BODY=8BITMIME"))
        }
        if isChunked {
            envelope.content.terminateLastLine()
            if envelope.content.isOversized {
                return .reply(SMTPServerReply(552, (5, 3, 4), "Message size exceeds fixed maximum message size"))
            }
        }
        state = .awaitingDelivery
        return .deliver(
            SMTPServerTransaction(
                reversePath: envelope.reversePath,
                recipients: envelope.recipients,
                isSMTPUTF8: envelope.isSMTPUTF8,
                bodyType: envelope.bodyType,
                declaredSize: envelope.declaredSize,
                message: envelope.content.message
            )
        )
    }
}
