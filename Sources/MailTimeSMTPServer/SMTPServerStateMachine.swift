import MailTimeSMTP
import NIOCore

/// The server side of one SMTP submission session (RFC 5321, RFC 6409), with no I/O: it is fed the
/// bytes the client sent and the answers of the delegate, and hands out one ``Action`` at a time.
///
/// The handler calls ``nextAction()`` until it returns ``Action/awaitInput`` (flush, read more) or
/// ``Action/awaitResult`` (flush, stop reading until the TLS handshake or the delegate's answer), so
/// pipelined commands (RFC 2920) are answered in order with one flush per read. The machine frames
/// lines itself and knows which timeout applies (``timeout``); it never reads a clock.
///
/// Replies to what the client does wrong (a 5xx to a command counts towards the error limit):
/// - a command line over 512 octets with its CRLF (AUTH lines: 12,288, RFC 4954 §4): `500 5.5.2`, the line is dropped;
/// - a bare CR or LF, or invalid UTF-8, in a command line: `500 5.5.2`;
/// - an unknown command: `500 5.5.1`; a command out of sequence: `503 5.5.1`; bad arguments: `501 5.5.4`;
/// - a bad sender or recipient address: `501 5.1.7` / `501 5.1.3`; a non-ASCII address without `SMTPUTF8`: `553 5.6.7`;
/// - an unknown MAIL or RCPT parameter: `555 5.5.4`; `SIZE=` over the maximum: `552 5.3.4`;
/// - MAIL without a required login: `530 5.7.0`; a sender domain the login may not use (or `<>` for a
///   login limited to domains): `550 5.7.1`; more than the maximum recipients: `452 4.5.3`;
/// - DATA without a recipient, or BDAT after a refused MAIL/RCPT: `554 5.5.1` (BDAT's octets are consumed first);
/// - bytes pipelined after DATA before the 354 went out: `554 5.5.0` and the connection is closed
///   (RFC 2920 §3.1: DATA ends a group; nothing is stored);
/// - bytes pipelined after STARTTLS before the TLS handshake (RFC 3207 §4.2 injection): `421 4.7.0`, closed;
/// - AUTH outside TLS: `530 5.7.0`; an unknown mechanism: `504 5.5.4`; undecodable base64: `501 5.5.2`;
///   `*` (cancel): `501 5.0.0`; a refused login: `535 5.7.8`;
/// - a message over the maximum size (counted after dot-unstuffing): `552 5.3.4` at the final `.` (DATA) or
///   at the chunk that passes it (BDAT, the transaction is then over), the rest of the data being read and discarded;
/// - a message line over 1,000 octets with its CRLF: `500 5.5.2` at the end of the message;
/// - a bare LF or bare CR in a message (RFC 5321 §2.3.8): `554 5.6.0` at the end of the message; only
///   `CRLF.CRLF` ends DATA, so a `LF.LF` or `LF.CRLF` inside it cannot smuggle a second message;
/// - a NUL octet in a message (BINARYMIME is not offered): `554 5.6.0`;
/// - an octet over 127 in a message whose MAIL had neither `BODY=8BITMIME` nor `SMTPUTF8`: `554 5.6.0`;
/// - the error limit reached: `421 4.7.0` and closed; a timeout: `421 4.4.2` and closed; shutting down
///   between transactions: `421 4.3.2` and closed.
package struct SMTPServerStateMachine {
    /// What the handler must do next.
    package enum Action: Equatable {
        /// Write this reply (the flush comes with ``awaitInput`` or ``awaitResult``).
        case reply(SMTPServerReply)
        /// Flush, then start a TLS handshake as a server in front of the session; report it with
        /// ``tlsEstablished(protocol:cipher:)``.
        case startTLS
        /// Ask the delegate about this login; report the answer with ``authenticationCompleted(_:)``.
        case authenticate(username: String, password: String)
        /// Hand this transaction to the delegate; report its verdict with ``deliveryCompleted(_:)``.
        case deliver(SMTPServerTransaction)
        /// Flush and close the connection.
        case close
        /// Everything received is answered: flush and read more.
        case awaitInput
        /// Flush and read nothing more until the TLS handshake or the delegate's answer is reported.
        case awaitResult
    }

    /// The timeout that applies while waiting for the client.
    package enum Timeout: Equatable {
        /// Waiting for a command (RFC 5321 §4.5.3.2.7).
        case command
        /// Waiting for message data (RFC 5321 §4.5.3.2.5).
        case data
    }

    enum State {
        case command
        case authPlainResponse
        case authLoginUsername
        case authLoginPassword(username: String)
        case awaitingAuthentication
        case data
        case bdat(remaining: Int, size: Int, isLast: Bool, refusal: SMTPServerReply?)
        case awaitingDelivery
        case tlsHandshake
        case closed
    }

    enum Hello {
        case none
        case basic
        case extended
    }

    /// The envelope of the transaction under way.
    struct Envelope {
        var reversePath: String
        var recipients: [String] = []
        var isSMTPUTF8: Bool
        var bodyType: SMTPServerTransaction.BodyType
        var declaredSize: Int?
        var hasChunks = false
        var content: SMTPServerMessageReceiver
    }

    /// The longest command line, CRLF included (RFC 5321 §4.5.3.1.4).
    static let maximumCommandLineLength = 512
    /// The longest AUTH command or response line, CRLF included (RFC 4954 §4).
    package static let maximumAuthLineLength = 12_288

    let configuration: SMTPServerConfiguration
    let isTLSAvailable: Bool
    var session: SMTPServerSession
    var state = State.command
    var hello = Hello.none
    var envelope: Envelope?
    var errors = 0
    var isQuiescing = false
    /// Bytes received and not yet handled.
    var buffer = ByteBuffer()
    /// How many bytes received are not yet handled (for the fuzz target's check that the buffer stays small).
    package var bufferedByteCount: Int { buffer.readableBytes }
    /// Whether the octets of an over-long command line are being dropped until its end.
    var isDiscardingLine = false
    /// Actions decided ahead of the one returned, handed out first.
    var queued: CircularBuffer<Action> = []

    /// A session that starts with the greeting (`220 <hostname> ESMTP MailTime`), or with `refusal`
    /// and a close when given (e.g. `421 4.3.2` over the connection limit).
    /// - Parameters:
    ///   - session: the client's address and whether it is trusted; `isTLS` for implicit TLS.
    ///   - isTLSAvailable: whether STARTTLS can be offered (a TLS context exists).
    package init(configuration: SMTPServerConfiguration, session: SMTPServerSession, isTLSAvailable: Bool, refusal: SMTPServerReply? = nil) {
        self.configuration = configuration
        self.session = session
        self.isTLSAvailable = isTLSAvailable
        if let refusal {
            queued.append(.reply(refusal))
            queued.append(.close)
            state = .closed
        } else {
            queued.append(.reply(SMTPServerReply(code: 220, enhancedCode: nil, text: "\(configuration.hostname) ESMTP MailTime")))
        }
    }

    /// The timeout to arm now; `nil` while the server, not the client, is expected to act.
    package var timeout: Timeout? {
        switch state {
        case .command, .authPlainResponse, .authLoginUsername, .authLoginPassword: .command
        case .data, .bdat: .data
        case .awaitingAuthentication, .awaitingDelivery, .tlsHandshake, .closed: nil
        }
    }

    /// Whether the session has ended.
    package var isClosed: Bool {
        if case .closed = state { return queued.isEmpty }
        return false
    }

    // MARK: - Inputs

    /// Bytes arrived from the client.
    package mutating func received(_ bytes: inout ByteBuffer) {
        if case .closed = state { return }
        buffer.writeBuffer(&bytes)
    }

    /// The TLS handshake completed. After STARTTLS the session starts over (RFC 3207 §4.2): the client
    /// must send EHLO again; with implicit TLS it only records the protocol and cipher.
    package mutating func tlsEstablished(protocol tlsProtocol: String?, cipher: String?) {
        session.isTLS = true
        session.tlsProtocol = tlsProtocol
        session.tlsCipher = cipher
        guard case .tlsHandshake = state else { return }
        state = .command
        hello = .none
        session.heloName = nil
        session.identity = nil
        envelope = nil
    }

    /// The delegate answered ``Action/authenticate(username:password:)``.
    package mutating func authenticationCompleted(_ identity: SMTPServerIdentity?) {
        guard case .awaitingAuthentication = state else { return }
        state = .command
        if let identity {
            session.identity = identity
            queued.append(.reply(SMTPServerReply(235, (2, 7, 0), "Authentication successful")))
        } else {
            enqueue { $0.respond(SMTPServerReply(535, (5, 7, 8), "Authentication credentials invalid")) }
        }
    }

    /// The delegate answered ``Action/deliver(_:)``.
    package mutating func deliveryCompleted(_ verdict: SMTPServerVerdict) {
        guard case .awaitingDelivery = state else { return }
        state = .command
        switch verdict {
        case .accepted(let id):
            queued.append(.reply(SMTPServerReply(250, (2, 0, 0), "\(id) queued")))
        case .refused(let reply):
            queued.append(.reply(reply))
        }
    }

    /// The armed timeout fired: `421 4.4.2` and close.
    package mutating func timedOut() {
        if case .closed = state { return }
        let reply = SMTPServerReply(421, (4, 4, 2), "\(configuration.hostname) Timeout, closing connection")
        enqueue { $0.closing(reply) }
    }

    /// The server is shutting down: a session between transactions gets `421 4.3.2` and is closed; one
    /// in a transaction finishes it first.
    package mutating func quiesce() {
        isQuiescing = true
    }

    // MARK: - Output

    /// The next thing to do.
    package mutating func nextAction() -> Action {
        if let action = queued.popFirst() { return action }
        switch state {
        case .closed, .awaitingAuthentication, .awaitingDelivery:
            return .awaitResult
        case .tlsHandshake:
            return .awaitInput
        case .data:
            return receiveData() ?? .awaitInput
        case .bdat:
            return receiveChunk() ?? .awaitInput
        case .command, .authPlainResponse, .authLoginUsername, .authLoginPassword:
            if isQuiescing, envelope == nil, case .command = state {
                return closing(SMTPServerReply(421, (4, 3, 2), "\(configuration.hostname) Service shutting down, closing connection"))
            }
            guard let line = nextLine() else { return .awaitInput }
            switch line {
            case .tooLong:
                state = .command
                return respond(SMTPServerReply(500, (5, 5, 2), "Line too long"))
            case .badLineEnding:
                state = .command
                return respond(SMTPServerReply(500, (5, 5, 2), "Bare CR or LF not allowed in a command line"))
            case .invalidUTF8:
                state = .command
                return respond(SMTPServerReply(500, (5, 5, 2), "Invalid UTF-8 in the command line"))
            case .line(let text):
                if case .command = state { return command(text) }
                return authenticationResponse(text)
            }
        }
    }

    // MARK: - Helpers

    /// The reply to a command: a 5xx counts towards the error limit, and the one that reaches it is
    /// replaced by `421 4.7.0` and a close.
    mutating func respond(_ reply: SMTPServerReply) -> Action {
        guard reply.code >= 500 else { return .reply(reply) }
        errors += 1
        guard errors < configuration.maximumErrors else {
            return closing(SMTPServerReply(421, (4, 7, 0), "\(configuration.hostname) Too many errors, closing connection"))
        }
        return .reply(reply)
    }

    /// Queues the action `decide` returns ahead of the actions it queues itself (such as the close after a reply).
    private mutating func enqueue(_ decide: (inout SMTPServerStateMachine) -> Action) {
        let earlier = queued
        queued.removeAll()
        let action = decide(&self)
        let later = queued
        queued = earlier
        queued.append(action)
        queued.append(contentsOf: later)
    }

    /// `reply`, then a close; nothing more is read.
    mutating func closing(_ reply: SMTPServerReply) -> Action {
        state = .closed
        envelope = nil
        buffer.clear()
        queued.append(.close)
        return .reply(reply)
    }
}
