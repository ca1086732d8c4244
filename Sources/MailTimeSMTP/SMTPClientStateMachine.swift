import MailTimeMessage

/// The client side of one SMTP session, with no I/O: it is told what arrived (replies, the end of
/// the TLS handshake, requests, failures) and answers with the one ``Action`` to perform.
///
/// A session goes greeting → EHLO (or HELO) → STARTTLS and EHLO again when the policy says so →
/// AUTH when there are credentials → ready. When ready it runs one request at a time: a mail
/// transaction, a liveness check (NOOP) or QUIT. With PIPELINING, the next transaction's commands
/// may follow a message's final "." before its reply (RFC 2920 §3.1); see ``pipelineTransaction(_:)``.
struct SMTPClientStateMachine {
    /// What the handler must do next.
    enum Action: Equatable {
        /// Nothing; wait for the next input.
        case none
        /// Write these commands, in order, in one flush.
        case write([SMTPCommand])
        /// Write the message after a 354 reply.
        case writeData(SMTPMessageData)
        /// Start TLS on the connection now; nothing else may be read in plaintext.
        case startTLS
        /// The session is ready for requests.
        case sessionReady(SMTPCapabilities)
        /// The transaction ended with the server's answers; the session is ready again, or goes on
        /// with the pipelined transaction.
        case transactionCompleted(SMTPDeliveryResult)
        /// The transaction failed as a whole (MAIL or DATA refused, or the message cannot go to
        /// this server); the session is ready again, or goes on with the pipelined transaction.
        case transactionFailed(SMTPError)
        /// The server answered NOOP; the session is ready again.
        case livenessConfirmed
        /// Close the connection; fail whatever waits (the session or the request in flight) with
        /// the error, or complete it when there is none (after QUIT).
        case close(SMTPError?)
    }

    /// A mail transaction to run.
    struct Transaction: Equatable {
        var envelope: SMTPEnvelope
        var data: SMTPMessageData
        var needsSMTPUTF8: Bool
        var needs8BitMIME: Bool
    }

    private enum State {
        case greeting
        case hello(isExtended: Bool)
        case startTLS
        case tlsHandshake
        case authentication(AuthenticationStep)
        case ready
        case transaction(SMTPTransactionProgress)
        case livenessCheck
        case quit
        case closed
    }

    private enum AuthenticationStep {
        case plainOrToken
        case loginUsername
        case loginPassword
        case loginResult
        /// XOAUTH2 answered 334 with its error; the empty response gets the final 5xx.
        case tokenRejected(SMTPReply)
    }

    private let configuration: SMTPClientConfiguration
    private var state: State = .greeting
    /// A transaction whose commands went out after the current one's message; it takes over when
    /// the current one ends.
    private var pipelined: SMTPTransactionProgress?
    private var isTLSActive: Bool
    private(set) var capabilities = SMTPCapabilities()

    init(configuration: SMTPClientConfiguration) {
        self.configuration = configuration
        self.isTLSActive = configuration.tlsPolicy == .implicit
    }

    /// Whether a request can start now.
    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// The reply being waited for, to time it: `nil` while nothing is due from the server.
    var awaitedStep: (step: SMTPTimeouts.Step, bodySize: Int)? {
        switch state {
        case .greeting: (.greeting, 0)
        case .hello, .startTLS, .authentication, .livenessCheck: (.command, 0)
        case .quit: (.quit, 0)
        case .transaction(let progress): progress.awaitedStep
        case .tlsHandshake, .ready, .closed: nil
        }
    }

    // MARK: - Inputs

    /// A complete reply arrived.
    mutating func replyReceived(_ reply: SMTPReply) -> Action {
        if reply.code == 421, !isQuitting {
            return close(SMTPError(.serviceNotAvailable, kind: .temporary, "the server is closing the session: \(reply)", reply: reply))
        }
        switch state {
        case .greeting:
            guard reply.code == 220 else {
                return close(SMTPError(.sessionRejected, kind: .provider, "the server refused the session: \(reply)", reply: reply))
            }
            state = .hello(isExtended: true)
            return .write([.ehlo(configuration.localName)])
        case .hello(let isExtended):
            return helloAnswered(reply, isExtended: isExtended)
        case .startTLS:
            guard reply.code == 220 else {
                if configuration.tlsPolicy == .startTLSRequired {
                    return close(SMTPError(.tlsUnavailable, kind: .provider, "the server refused STARTTLS: \(reply)", reply: reply))
                }
                return authenticateOrBeReady()
            }
            state = .tlsHandshake
            return .startTLS
        case .authentication(let step):
            return authenticationAnswered(reply, step: step)
        case .transaction(var progress):
            // Taken out of `state` while it changes, so that its arrays are not copied.
            state = .closed
            let outcome = progress.replyReceived(reply)
            state = .transaction(progress)
            return transactionAction(outcome)
        case .livenessCheck:
            guard reply.isPositiveCompletion else {
                return close(SMTPError(.connectionUnusable, kind: .provider, "the server did not answer NOOP with 250: \(reply)", reply: reply))
            }
            state = .ready
            return .livenessConfirmed
        case .quit:
            state = .closed
            return .close(nil)
        case .ready:
            return close(SMTPError(.protocolViolation, "the server sent a reply nobody asked for: \(reply)"))
        case .tlsHandshake:
            return close(SMTPError(.startTLSInjection, "the server sent a reply during the TLS handshake"))
        case .closed:
            return .none
        }
    }

    /// The TLS handshake after STARTTLS completed: forget what the server said and greet it again.
    mutating func tlsEstablished() -> Action {
        guard case .tlsHandshake = state else { return .none }
        isTLSActive = true
        capabilities = SMTPCapabilities()
        state = .hello(isExtended: true)
        return .write([.ehlo(configuration.localName)])
    }

    /// Start a transaction; only when ``isReady``.
    mutating func startTransaction(_ transaction: Transaction) -> Action {
        guard case .ready = state else {
            return .transactionFailed(SMTPError(.connectionUnusable, kind: .provider, "the connection is not ready for a message"))
        }
        if let reason = refusal(of: transaction) {
            return .transactionFailed(reason)
        }
        var progress = SMTPTransactionProgress(
            recipients: transaction.envelope.recipients,
            data: transaction.data,
            isPipelined: isPipelining
        )
        let commands = progress.start(mail: mailCommand(for: transaction))
        state = .transaction(progress)
        return .write(commands)
    }

    /// Starts `transaction` behind the one under way, whose message has been written and whose
    /// final reply is awaited, and returns its commands (MAIL, RCPT, DATA) to write right after
    /// the message. `nil` when that cannot be done now: the server does not pipeline, the current
    /// transaction is elsewhere, one is pipelined already, or the transaction would be refused.
    mutating func pipelineTransaction(_ transaction: Transaction) -> [SMTPCommand]? {
        guard isPipelining, pipelined == nil, case .transaction(let current) = state, current.isAwaitingOnlyDataEnd,
            refusal(of: transaction) == nil
        else { return nil }
        var progress = SMTPTransactionProgress(recipients: transaction.envelope.recipients, data: transaction.data, isPipelined: true)
        let commands = progress.start(mail: mailCommand(for: transaction))
        pipelined = progress
        return commands
    }

    /// Check that the server is still there (NOOP); only when ``isReady``.
    mutating func checkLiveness() -> Action {
        guard case .ready = state else {
            return close(SMTPError(.connectionUnusable, "the connection is not ready for a liveness check"))
        }
        state = .livenessCheck
        return .write([.noop])
    }

    /// End the session politely (QUIT), or just close when it is not ready.
    mutating func quit() -> Action {
        guard case .ready = state else {
            state = .closed
            return .close(nil)
        }
        state = .quit
        return .write([.quit])
    }

    /// The server closed the connection.
    mutating func connectionClosed() -> Action {
        switch state {
        case .closed: return .none
        case .quit:
            state = .closed
            return .close(nil)
        case .ready:
            state = .closed
            return .close(SMTPError(.connectionClosed, "the server closed the connection"))
        default:
            return close(SMTPError(.connectionClosed, "the server closed the connection while a reply was due"))
        }
    }

    /// The awaited reply did not come in time.
    mutating func timedOut() -> Action {
        guard let (step, _) = awaitedStep else { return .none }
        return close(SMTPError(.timeout, "no reply from the server in time (\(step.rawValue))"))
    }

    /// The connection failed: a TLS error, a reset, unreadable replies.
    mutating func failed(_ error: SMTPError) -> Action {
        if case .closed = state { return .none }
        return close(error)
    }

    // MARK: - Session set-up

    private var isQuitting: Bool {
        if case .quit = state { return true }
        return false
    }

    private mutating func close(_ error: SMTPError) -> Action {
        var error = error
        if case .transaction(let progress) = state, !progress.hasSentData {
            error.isBeforeData = true
        }
        state = .closed
        pipelined = nil
        return .close(error)
    }

    private var isPipelining: Bool {
        configuration.usesPipelining && capabilities.pipelining
    }

    private mutating func helloAnswered(_ reply: SMTPReply, isExtended: Bool) -> Action {
        guard reply.isPositiveCompletion else {
            if isExtended, reply.isPermanentNegative {
                // An old server that knows no EHLO (RFC 5321 §3.2).
                state = .hello(isExtended: false)
                return .write([.helo(configuration.localName)])
            }
            return close(SMTPError(.sessionRejected, kind: .provider, "the server refused \(isExtended ? "EHLO" : "HELO"): \(reply)", reply: reply))
        }
        capabilities = isExtended ? SMTPCapabilities(ehloReply: reply) : SMTPCapabilities()
        if !isTLSActive {
            switch (configuration.tlsPolicy, capabilities.startTLS) {
            case (.startTLSRequired, false):
                return close(SMTPError(.tlsUnavailable, kind: .provider, "the server does not offer STARTTLS and the TLS policy requires it"))
            case (.startTLSRequired, true), (.startTLSIfOffered, true):
                state = .startTLS
                return .write([.startTLS])
            default:
                break
            }
        }
        return authenticateOrBeReady()
    }

    private mutating func authenticateOrBeReady() -> Action {
        guard let credentials = configuration.credentials else {
            state = .ready
            return .sessionReady(capabilities)
        }
        guard isTLSActive || configuration.allowsPlaintextAuthentication else {
            return close(
                SMTPError(
                    .authenticationUnavailable,
                    "the connection is not encrypted and the configuration does not allow AUTH over plaintext"
                ))
        }
        let offered = capabilities.authenticationMechanisms
        let mechanism: SMTPCredentials.Mechanism
        if let chosen = credentials.mechanism {
            guard offered.contains(chosen.rawValue) else {
                return close(
                    SMTPError(.authenticationUnavailable, "the server does not offer AUTH \(chosen.rawValue) (it offers: \(Self.list(offered)))"))
            }
            mechanism = chosen
        } else if offered.contains("PLAIN") {
            mechanism = .plain
        } else if offered.contains("LOGIN") {
            mechanism = .login
        } else {
            return close(
                SMTPError(.authenticationUnavailable, "the server offers no AUTH mechanism the client speaks (it offers: \(Self.list(offered)))"))
        }
        switch mechanism {
        case .plain:
            state = .authentication(.plainOrToken)
            let response = Self.base64([0] + Array(credentials.username.utf8) + [0] + Array(credentials.secret.utf8))
            return .write([.authenticate(mechanism: "PLAIN", initialResponse: response)])
        case .login:
            state = .authentication(.loginUsername)
            return .write([.authenticate(mechanism: "LOGIN", initialResponse: nil)])
        case .xoauth2:
            state = .authentication(.plainOrToken)
            let response = Self.base64(Array("user=\(credentials.username)\u{1}auth=Bearer \(credentials.secret)\u{1}\u{1}".utf8))
            return .write([.authenticate(mechanism: "XOAUTH2", initialResponse: response)])
        }
    }

    private mutating func authenticationAnswered(_ reply: SMTPReply, step: AuthenticationStep) -> Action {
        let credentials = configuration.credentials!
        switch (step, reply.code) {
        case (.plainOrToken, 235), (.loginResult, 235):
            state = .ready
            return .sessionReady(capabilities)
        case (.loginUsername, 334):
            state = .authentication(.loginPassword)
            return .write([.authenticationResponse(Self.base64(Array(credentials.username.utf8)))])
        case (.loginPassword, 334):
            state = .authentication(.loginResult)
            return .write([.authenticationResponse(Self.base64(Array(credentials.secret.utf8)))])
        case (.loginResult, 334):
            return close(
                SMTPError(.authenticationFailed, kind: .provider, "the server asked for more than a LOGIN user name and password", reply: reply))
        case (.plainOrToken, 334) where credentials.mechanism == .xoauth2:
            state = .authentication(.tokenRejected(reply))
            return .write([.authenticationResponse("")])
        case (.tokenRejected(let challenge), _):
            let detail = Base64.decode(Array(challenge.text.utf8)).map { String(decoding: $0, as: UTF8.self) } ?? challenge.text
            return close(
                SMTPError(.authenticationFailed, kind: .provider, "the server rejected the XOAUTH2 token (\(detail)): \(reply)", reply: reply))
        default:
            return close(
                SMTPError(
                    .authenticationFailed, kind: .provider, "the server rejected the credentials of \(credentials.username): \(reply)", reply: reply))
        }
    }

    // MARK: - Transactions

    /// Why this server cannot take the message at all, before anything is sent.
    private func refusal(of transaction: Transaction) -> SMTPError? {
        if transaction.needsSMTPUTF8 && !capabilities.smtpUTF8 {
            return SMTPError(
                .smtpUTF8Unsupported, kind: .permanent,
                "the message has an address with a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), "
                    + "and the server does not offer it"
            )
        }
        if let limit = capabilities.maximumSize, limit > 0, transaction.data.messageSize > limit {
            return SMTPError(
                .messageTooLarge, kind: .permanent,
                "the message is \(transaction.data.messageSize) octets and the server takes at most \(limit)"
            )
        }
        if transaction.envelope.recipients.isEmpty {
            return SMTPError(.messageRejected, kind: .permanent, "the message has no recipients")
        }
        return nil
    }

    private func mailCommand(for transaction: Transaction) -> SMTPCommand {
        .mail(from: transaction.envelope.sender?.address ?? "", parameters: mailParameters(for: transaction))
    }

    private func mailParameters(for transaction: Transaction) -> [String] {
        var parameters: [String] = []
        if capabilities.maximumSize != nil {
            parameters.append("SIZE=\(transaction.data.messageSize)")
        }
        if (transaction.needs8BitMIME || transaction.needsSMTPUTF8) && capabilities.eightBitMIME {
            parameters.append("BODY=8BITMIME")
        }
        if transaction.needsSMTPUTF8 {
            parameters.append("SMTPUTF8")
        }
        return parameters
    }

    private mutating func transactionAction(_ outcome: SMTPTransactionProgress.Outcome) -> Action {
        switch outcome {
        case .wait: return .none
        case .write(let commands): return .write(commands)
        case .writeData(let data): return .writeData(data)
        case .completed(let result):
            endTransaction()
            return .transactionCompleted(result)
        case .failed(let error):
            endTransaction()
            return .transactionFailed(error)
        }
    }

    /// The session is ready again, or busy with the pipelined transaction.
    private mutating func endTransaction() {
        if let next = pipelined.take() {
            state = .transaction(next)
        } else {
            state = .ready
        }
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        String(decoding: Base64.encode(bytes), as: UTF8.self)
    }

    private static func list(_ mechanisms: Set<String>) -> String {
        mechanisms.isEmpty ? "none" : mechanisms.sorted().joined(separator: " ")
    }
}
