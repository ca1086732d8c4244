import MailTimeSMTP
import NIOCore

extension FuzzTarget {
    /// ``SMTPReplyParser`` on any bytes from a server: the replies (code 200–599, 1 to 128 lines,
    /// an enhanced status code of the code's class) and whether it fails are the same whether the
    /// bytes arrive at once or in pieces of any size.
    static let smtpReply = FuzzTarget(
        name: "smtp-reply",
        summary: "SMTPReplyParser: parse any server bytes, at once and in pieces; the same replies either way"
    ) { input in
        guard let first = input.first else { return }
        let whole = SMTPReplyFuzzing.parse(input[...], pieceSize: input.count)
        let pieces = SMTPReplyFuzzing.parse(input.dropFirst(), pieceSize: 1 + Int(first) % 16)
        let wholeAfterFirst = SMTPReplyFuzzing.parse(input.dropFirst(), pieceSize: input.count)
        precondition(pieces == wholeAfterFirst, "pieces of \(1 + Int(first) % 16) bytes read differently: \(pieces) \(wholeAfterFirst)")
        for reply in whole.replies + pieces.replies {
            precondition((200...599).contains(reply.code), "reply code \(reply.code)")
            precondition((1...128).contains(reply.lines.count), "a reply of \(reply.lines.count) lines")
            if let status = reply.enhancedStatusCode {
                precondition(status.statusClass == reply.code / 100, "\(status) in a \(reply.code) reply")
            }
        }
    }
}

enum SMTPReplyFuzzing {
    struct Outcome: Equatable {
        var replies: [SMTPReply] = []
        var failed = false
    }

    /// The replies in `bytes`, given to one parser `pieceSize` bytes at a time, up to the first error.
    static func parse(_ bytes: ArraySlice<UInt8>, pieceSize: Int) -> Outcome {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = min(start + max(pieceSize, 1), bytes.endIndex)
            buffer.writeBytes(bytes[start..<end])
            start = end
            do {
                while let reply = try parser.next(from: &buffer) {
                    outcome.replies.append(reply)
                }
            } catch {
                outcome.failed = true
                return outcome
            }
        }
        return outcome
    }
}
