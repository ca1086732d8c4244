import Logging
import MailTimeMessage
import MailTimeTLS
import NIOCore
import NIOPosix

/// One session with an SMTP server, ready to send messages one after another.
///
/// ```swift
/// let connection = try await SMTPConnection.connect(
///     configuration: SMTPClientConfiguration(host: "smtp.example.com", port: 587,
///         tlsPolicy: .startTLSRequired, credentials: SMTPCredentials(username: "app", secret: password)),
///     logger: logger
/// )
/// let result = try await connection.send(message)
/// await connection.close()
/// ```
public final class SMTPConnection: Sendable {
    /// What the server announced in its last EHLO reply.
    public let capabilities: SMTPCapabilities
    /// When the session became ready.
    public let establishedAt: ContinuousClock.Instant
    let channel: any Channel
    private let configuration: SMTPClientConfiguration

    private init(channel: any Channel, capabilities: SMTPCapabilities, configuration: SMTPClientConfiguration) {
        self.channel = channel
        self.capabilities = capabilities
        self.configuration = configuration
        self.establishedAt = .now
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Whether the connection is still open; a failed session closes it.
    public var isOpen: Bool { channel.isActive }

    /// Connects, greets the server, sets up TLS and authenticates as `configuration` says.
    /// - Parameter tlsContext: the TLS context to use; made from `configuration.tls` when `nil`.
    ///   Share one across connections to the same server.
    public static func connect(
        configuration: SMTPClientConfiguration,
        tlsContext: TLSContext? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws(SMTPError) -> SMTPConnection {
        let tlsContext = try Self.tlsContext(tlsContext, for: configuration)
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        let sessionLogger = logger
        let eventLoop = eventLoopGroup.next()
        let session = eventLoop.makePromise(of: SMTPCapabilities.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.timeouts.connect))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if configuration.tlsPolicy == .implicit, let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(
                            TLSHandler(
                                tlsContext: tlsContext,
                                serverHostname: configuration.tlsServerName ?? configuration.host,
                                handshakeTimeout: TimeAmount(configuration.timeouts.connect),
                                logger: sessionLogger
                            )
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPClientHandler(configuration: configuration, tlsContext: tlsContext, session: session, logger: sessionLogger)
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            let failure: SMTPError
            if case ChannelError.connectTimeout = error {
                failure = SMTPError(
                    .timeout, "cannot connect to \(configuration.host):\(configuration.port) within \(configuration.timeouts.connect)")
            } else {
                failure = SMTPError(.connectionFailed, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
            }
            session.fail(failure)
            throw failure
        }
        do {
            let capabilities = try await session.futureResult.get()
            logger.debug("SMTP session ready", metadata: ["smtp.capabilities": "\(capabilities)"])
            return SMTPConnection(channel: channel, capabilities: capabilities, configuration: configuration)
        } catch {
            channel.close(promise: nil)
            throw SMTPClientHandler.smtpError(error)
        }
    }

    /// Sends `message` to the envelope's recipients (by default the message's own), in
    /// transactions of at most ``SMTPClientConfiguration/maximumRecipientsPerTransaction``.
    ///
    /// Returns a result per recipient. Throws when no recipient got the message because the
    /// transaction failed as a whole (the error's kind says whether to retry, fail over or give up).
    /// When a later transaction fails after an earlier one delivered, the failure is reported
    /// per recipient instead, so that delivered recipients are never sent to again.
    public func send(_ message: ComposedMessage, envelope: SMTPEnvelope? = nil) async throws(SMTPError) -> SMTPDeliveryResult {
        let envelope = envelope ?? SMTPEnvelope(message)
        let data = SMTPMessageData(message)
        let limit = max(1, configuration.maximumRecipientsPerTransaction)
        var pending = envelope.recipients[...]
        var outcomes: [SMTPRecipientResult] = []
        var dataReply: SMTPReply?
        while !pending.isEmpty {
            let batch = Array(pending.prefix(limit))
            pending = pending.dropFirst(batch.count)
            let transaction = SMTPClientStateMachine.Transaction(
                envelope: SMTPEnvelope(sender: envelope.sender, recipients: batch),
                data: data,
                needsSMTPUTF8: message.needsSMTPUTF8,
                needs8BitMIME: message.needs8BitMIME
            )
            let result: SMTPDeliveryResult
            do {
                result = try await run(transaction)
            } catch {
                // Nobody got the message yet: the whole send failed. Otherwise say who did not.
                guard outcomes.contains(where: \.isAccepted) else { throw error }
                outcomes += (batch + pending).map { SMTPRecipientResult(recipient: $0, outcome: .failed(error)) }
                break
            }
            dataReply = result.dataReply ?? dataReply
            // 452 "too many recipients" (RFC 5321 §4.5.3.1.10): those go in the next transaction.
            let tooMany = result.recipients.filter { $0.failure?.reply?.code == 452 }
            if !tooMany.isEmpty && !result.accepted.isEmpty {
                outcomes += result.recipients.filter { $0.failure?.reply?.code != 452 }
                pending = tooMany.map(\.recipient)[...] + pending
            } else {
                outcomes += result.recipients
            }
        }
        // Recipients retried after a 452 come back out of order; put them in the envelope's.
        if !outcomes.elementsEqual(envelope.recipients, by: { $0.recipient == $1 }) {
            let order = Dictionary(envelope.recipients.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            outcomes.sort { order[$0.recipient, default: 0] < order[$1.recipient, default: 0] }
        }
        return SMTPDeliveryResult(recipients: outcomes, dataReply: dataReply)
    }

    /// Checks that the server still answers (NOOP).
    public func checkLiveness() async throws(SMTPError) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        write(.checkLiveness(promise))
        do {
            try await promise.futureResult.get()
        } catch {
            throw SMTPClientHandler.smtpError(error)
        }
    }

    /// Ends the session with QUIT and closes the connection.
    public func close() async {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        write(.quit(promise))
        try? await promise.futureResult.get()
        try? await channel.closeFuture.get()
    }

    private func run(_ transaction: SMTPClientStateMachine.Transaction) async throws(SMTPError) -> SMTPDeliveryResult {
        let promise = channel.eventLoop.makePromise(of: SMTPDeliveryResult.self)
        write(.send(transaction, promise))
        do {
            return try await promise.futureResult.get()
        } catch {
            throw SMTPClientHandler.smtpError(error)
        }
    }

    /// Hands `request` to the channel; a channel already closed fails it at once (the handler
    /// never sees it then).
    private func write(_ request: SMTPRequest) {
        channel.writeAndFlush(request).whenFailure { error in
            var failure = SMTPError(.connectionUnusable, "the connection is closed: \(error)")
            failure.isBeforeData = true
            request.fail(failure)
        }
    }

    /// The given context, or one made from `configuration.tls` when the policy may use TLS.
    private static func tlsContext(_ given: TLSContext?, for configuration: SMTPClientConfiguration) throws(SMTPError) -> TLSContext? {
        if let given { return given }
        guard configuration.tlsPolicy != .none else { return nil }
        do {
            return try TLSContext(configuration: configuration.tls)
        } catch {
            throw SMTPError(.invalidConfiguration, "cannot set up TLS: \(error)")
        }
    }
}
