import MailTimeMessage
import MailTimeSMTP
import MailTimeSMTPServer
import NIOCore

extension FuzzTarget {
    /// ``SMTPServerStateMachine`` driven through a whole submission session as the listener's handler
    /// drives it. The first byte sets the session (bit 0 trusted, bit 1 implicit TLS, bit 2 no TLS
    /// context, bits 4–7 the piece size the client's bytes arrive in, 0 for a whole segment); the
    /// second byte's bits, in turn, answer the logins (accepted, limited to `example.com`), the
    /// deliveries (accepted, or refused with `451` or a two-line `550`) and the TLS handshakes (done,
    /// or the connection drops). The rest is what the client sends, in segments the client waits
    /// between: `0xFF` then `T` is a timeout, then `Q` a shutdown, then `0xFF` a literal `0xFF`, then
    /// any other byte the end of a segment.
    ///
    /// Checked: every reply is well formed on the wire (one code, 200–599, on every line, `-` on all
    /// but the last, CRLF line ends and no other CR or LF, lines of at most 512 octets), and a 221 or
    /// 421 is followed by the close; a transaction handed out has 1 to 5 recipients and a message of at
    /// most the maximum size that is empty or ends with CRLF, with no bare CR or LF, no NUL, no line over
    /// 1,000 octets and 8-bit octets only when declared, from a trusted or logged-in client whose login
    /// may use the sender's domain; AUTH only over TLS and once; STARTTLS only when offered and with
    /// nothing pipelined after it; the machine waits for the handshake or the delegate as it must, waits
    /// for the client only with a timeout armed and a buffer of at most one AUTH line (two octets in
    /// DATA), and after the close does nothing more.
    static let smtpServer = FuzzTarget(
        name: "smtp-server",
        summary: "SMTPServerStateMachine through whole sessions: replies, transactions, logins, TLS, limits and the close"
    ) { input in
        guard input.count >= 2 else { return }
        var session = SMTPServerSessionModel(flags: input[0], decisions: input[1])
        let pieceSize = Int(input[0] >> 4)
        var segment: [UInt8] = []
        var index = 2
        while index < input.count, !session.hasEnded {
            let byte = input[index]
            index += 1
            guard byte == 0xFF, index < input.count else {
                segment.append(byte)
                continue
            }
            let operation = input[index]
            index += 1
            if operation == 0xFF {
                segment.append(0xFF)
                continue
            }
            session.send(segment, pieceSize: pieceSize)
            segment.removeAll()
            switch operation {
            case UInt8(ascii: "T"): session.timeOut()
            case UInt8(ascii: "Q"): session.quiesce()
            default: break
            }
        }
        session.send(segment, pieceSize: pieceSize)
    }
}

/// The listener's handler without the channel: it feeds the client's bytes to the state machine,
/// performs its actions, answers the delegate's questions as the input decides, and checks everything
/// the machine hands out.
struct SMTPServerSessionModel {
    static let configuration = SMTPServerConfiguration(
        hostname: "mx.fuzz.test",
        maximumMessageSize: 4096,
        maximumRecipients: 5,
        maximumErrors: 10
    )
    /// The longest reply line, CRLF included (RFC 5321 §4.5.3.1.5).
    static let maximumReplyLineLength = 512
    /// The longest message line, CRLF included (RFC 5321 §4.5.3.1.6).
    static let maximumMessageLineLength = 1000

    private var machine: SMTPServerStateMachine
    private let isTrusted: Bool
    private let isTLSAvailable: Bool
    private var isTLS: Bool
    private var isLoggedIn = false
    private var allowedSenderDomains: [String]?
    private let decisions: UInt8
    private var decisionCount = 0
    /// The last reply announced a close (221 or 421).
    private var closeIsDue = false
    /// The machine closed the connection.
    private var isClosed = false
    /// The connection is gone (a failed TLS handshake): nothing more is sent.
    private(set) var hasEnded = false

    init(flags: UInt8, decisions: UInt8) {
        isTrusted = flags & 0x01 != 0
        isTLS = flags & 0x02 != 0
        isTLSAvailable = isTLS || flags & 0x04 == 0
        self.decisions = decisions
        machine = SMTPServerStateMachine(
            configuration: Self.configuration,
            session: SMTPServerSession(remoteAddress: "192.0.2.1", isTLS: isTLS, isTrusted: isTrusted),
            isTLSAvailable: isTLSAvailable
        )
        guard case .reply(let greeting) = machine.nextAction(), greeting.code == 220 else {
            preconditionFailure("the session does not start with a 220 greeting")
        }
        check(greeting)
        if isTLS {
            machine.tlsEstablished(protocol: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")
        }
        drive()
    }

    /// The client's bytes, `pieceSize` at a time (all at once for 0), each piece handled before the next.
    mutating func send(_ bytes: [UInt8], pieceSize: Int) {
        var start = 0
        while start < bytes.count, !hasEnded {
            let end = pieceSize == 0 ? bytes.count : min(start + pieceSize, bytes.count)
            var buffer = ByteBuffer(bytes: bytes[start..<end])
            machine.received(&buffer)
            drive()
            start = end
        }
    }

    /// The armed timeout fires; without one (the server's turn, or closed) the handler has no timer.
    mutating func timeOut() {
        guard !hasEnded, machine.timeout != nil else { return }
        machine.timedOut()
        drive()
    }

    /// The server shuts down.
    mutating func quiesce() {
        guard !hasEnded else { return }
        machine.quiesce()
        drive()
    }

    private mutating func decide() -> Bool {
        defer { decisionCount += 1 }
        return decisions >> (decisionCount % 8) & 1 != 0
    }

    /// Performs actions until the machine waits, as the handler does.
    private mutating func drive() {
        for _ in 0..<100_000 {
            let action = machine.nextAction()
            if isClosed {
                precondition(action == .awaitResult, "\(action) after the close")
                precondition(machine.isClosed && machine.bufferedByteCount == 0, "the closed session keeps state")
                return
            }
            precondition(!closeIsDue || action == .close, "\(action) after a reply announcing the close")
            switch action {
            case .reply(let reply):
                check(reply)
                closeIsDue = reply.code == 221 || reply.code == 421
            case .startTLS:
                precondition(isTLSAvailable && !isTLS, "STARTTLS without a TLS context or inside TLS")
                precondition(machine.bufferedByteCount == 0, "a handshake starts with plaintext pipelined after STARTTLS")
                precondition(machine.nextAction() == .awaitInput, "the machine does not wait for the handshake")
                guard decide() else {
                    hasEnded = true
                    return
                }
                machine.tlsEstablished(protocol: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")
                isTLS = true
                isLoggedIn = false
                allowedSenderDomains = nil
            case .authenticate:
                precondition(isTLS, "a login outside TLS")
                precondition(!isLoggedIn, "a second login in a session")
                precondition(machine.nextAction() == .awaitResult, "the machine does not wait for the login's answer")
                var identity: SMTPServerIdentity?
                if decide() {
                    identity = SMTPServerIdentity(username: "user", allowedSenderDomains: decide() ? ["example.com"] : nil)
                    isLoggedIn = true
                    allowedSenderDomains = identity?.allowedSenderDomains
                }
                machine.authenticationCompleted(identity)
            case .deliver(let transaction):
                check(transaction)
                precondition(machine.nextAction() == .awaitResult, "the machine does not wait for the delivery's verdict")
                if decide() {
                    machine.deliveryCompleted(.accepted(id: "01JFUZZ"))
                } else if decide() {
                    let enhanced = EnhancedStatusCode(statusClass: 4, subject: 3, detail: 0)
                    machine.deliveryCompleted(.refused(SMTPServerReply(code: 451, enhancedCode: enhanced, text: "busy")))
                } else {
                    let enhanced = EnhancedStatusCode(statusClass: 5, subject: 7, detail: 1)
                    machine.deliveryCompleted(.refused(SMTPServerReply(code: 550, enhancedCode: enhanced, lines: ["refused", "by\r\npolicy"])))
                }
            case .close:
                isClosed = true
            case .awaitInput:
                precondition(machine.timeout != nil, "the machine waits for the client with no timeout")
                let buffered = machine.bufferedByteCount
                precondition(buffered <= SMTPServerStateMachine.maximumAuthLineLength, "\(buffered) octets buffered")
                precondition(machine.timeout != .data || buffered <= 2, "\(buffered) octets buffered in DATA")
                return
            case .awaitResult:
                preconditionFailure("the machine waits for a result nobody was asked for")
            }
        }
        preconditionFailure("the machine does not stop acting")
    }

    /// A reply as written on the wire.
    private func check(_ reply: SMTPServerReply) {
        let wire = Array(reply.description.utf8)
        precondition(wire.count >= 6 && wire.suffix(2) == [0x0D, 0x0A], "a reply not ended by CRLF: \(reply.description.debugDescription)")
        let lines = wire.dropLast(2).split(separator: 0x0A, omittingEmptySubsequences: false)
        precondition(lines.count == reply.lines.count, "a reply's lines are not those written: \(reply.description.debugDescription)")
        for (index, line) in lines.enumerated() {
            precondition(index == lines.count - 1 || line.last == 0x0D, "a bare LF in a reply: \(reply.description.debugDescription)")
            let text = index == lines.count - 1 ? line[...] : line.dropLast()
            precondition(!text.contains(0x0D), "a bare CR in a reply: \(reply.description.debugDescription)")
            precondition(text.count + 2 <= Self.maximumReplyLineLength, "a reply line of \(text.count + 2) octets")
            precondition(text.count >= 4, "a reply line without code and separator")
            let code = text.prefix(3)
            precondition(code.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "a reply code that is not 3 digits")
            precondition(Int(String(decoding: code, as: UTF8.self)) == reply.code && (200...599).contains(reply.code), "a reply code out of range")
            let separator = text[text.startIndex + 3]
            precondition(separator == (index == lines.count - 1 ? 0x20 : 0x2D), "a reply line with the wrong separator")
        }
    }

    /// A transaction handed to the delegate.
    private func check(_ transaction: SMTPServerTransaction) {
        precondition(isTrusted || isLoggedIn, "a transaction from an untrusted client that has not logged in")
        let configuration = Self.configuration
        precondition((1...configuration.maximumRecipients).contains(transaction.recipients.count), "\(transaction.recipients.count) recipients")
        precondition(!transaction.recipients.contains(""), "an empty recipient")
        precondition((transaction.declaredSize ?? 0) <= configuration.maximumMessageSize, "a SIZE= over the maximum is accepted")
        if let allowed = allowedSenderDomains {
            let domain = (try? EmailAddress(address: transaction.reversePath)).map { $0.domain.lowercased() }
            precondition(domain.map { allowed.contains($0) } == true, "a sender domain the login may not use: \(transaction.reversePath)")
        }
        let message = transaction.message.readableBytesView
        precondition(message.count <= configuration.maximumMessageSize, "a message of \(message.count) octets")
        precondition(message.isEmpty || message.suffix(2).elementsEqual([0x0D, 0x0A]), "a message that does not end with CRLF")
        var lineLength = 0
        var previous: UInt8 = 0
        for byte in message {
            lineLength += 1
            precondition(byte != 0, "a NUL in a message")
            precondition(byte < 0x80 || transaction.bodyType == .eightBitMIME || transaction.isSMTPUTF8, "an undeclared 8-bit octet in a message")
            precondition((byte == 0x0A) == (previous == 0x0D), "a bare CR or LF in a message")
            if byte == 0x0A {
                precondition(lineLength <= Self.maximumMessageLineLength, "a message line of \(lineLength) octets")
                lineLength = 0
            }
            previous = byte
        }
    }
}
