import NIOCore

extension SMTPServerStateMachine {
    /// Takes DATA's lines from the buffer up to the final `.`; returns the reply or the delivery when
    /// the message has ended, `nil` when more is needed.
    mutating func receiveData() -> Action? {
        // Changed in place through `envelope?`, so that the message buffer is never copied.
        while buffer.readableBytes > 0, let isAtLineStart = envelope?.content.isAtLineStart {
            let view = buffer.readableBytesView
            if isAtLineStart, view.first == UInt8(ascii: ".") {
                guard view.count >= 3 || (view.count == 2 && view.last != 0x0D) else { return nil }
                if view.count >= 3, view[view.startIndex + 1] == 0x0D, view[view.startIndex + 2] == 0x0A {
                    buffer.moveReaderIndex(forwardBy: 3)
                    return finishMessage(isChunked: false)
                }
                // Dot-stuffing (RFC 5321 §4.5.2): the first dot is not part of the message.
                buffer.moveReaderIndex(forwardBy: 1)
                envelope?.content.skipped()
                continue
            }
            let end = view.firstIndex(of: 0x0A).map { $0 + 1 } ?? view.endIndex
            envelope?.content.append(view[view.startIndex..<end])
            buffer.moveReaderIndex(forwardBy: end - view.startIndex)
        }
        return nil
    }

    /// Takes the octets of the BDAT chunk under way; returns its reply (or the delivery after the last
    /// chunk) once all of them have arrived, `nil` when more are needed.
    mutating func receiveChunk() -> Action? {
        guard case .bdat(var remaining, let size, let isLast, let refusal) = state else { return nil }
        if remaining > 0, buffer.readableBytes > 0 {
            let count = min(remaining, buffer.readableBytes)
            if refusal == nil {
                let view = buffer.readableBytesView
                envelope?.content.append(view[view.startIndex..<(view.startIndex + count)])
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
