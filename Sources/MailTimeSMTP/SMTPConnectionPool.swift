import Logging
import MailTimeMessage
import MailTimeTLS
import NIOCore
import NIOPosix
import Synchronization

/// Connections to one SMTP server, reused from message to message.
///
/// At most ``Configuration/maximumConnections`` are open at once. When all are open, a second
/// caller may share each one (``Configuration/sendersPerConnection``): its message waits in the
/// connection and goes the moment the first one's transaction ends, so the connection never
/// pauses between messages. Callers beyond that wait.
///
/// A connection idle for ``Configuration/idleTimeout`` is closed, one older than
/// ``Configuration/maximumReuseTime`` is not reused, and one idle for
/// ``Configuration/livenessCheckAfter`` or longer is checked with NOOP before it is reused.
///
/// A caller running on one of the pool's event loops (see ``EventLoopTaskExecutor``) is given a
/// connection on that loop when one is free, and new connections open on the caller's loop, so
/// that its sends complete without a thread hop.
///
/// These decisions are ``SMTPConnectionPoolStateMachine``'s; the pool reads the clock, runs the
/// sweep timer and does the I/O.
public final class SMTPConnectionPool: Sendable {
    /// How the pool manages its connections.
    public struct Configuration: Hashable, Sendable {
        /// The most connections open at once.
        public var maximumConnections: Int
        /// How long an unused connection stays open.
        public var idleTimeout: Duration
        /// How long one connection may be reused after it was made (Postfix: 300 s).
        public var maximumReuseTime: Duration
        /// A connection idle at least this long is checked with NOOP before reuse; `.zero` checks every time.
        public var livenessCheckAfter: Duration
        /// How many callers may use one connection at once, their messages sent one after another
        /// (1 or 2); a second one is only let in when every connection is open.
        public var sendersPerConnection: Int

        public init(
            maximumConnections: Int = 10,
            idleTimeout: Duration = .seconds(30),
            maximumReuseTime: Duration = .seconds(300),
            livenessCheckAfter: Duration = .seconds(1),
            sendersPerConnection: Int = 2
        ) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
            self.maximumReuseTime = maximumReuseTime
            self.livenessCheckAfter = livenessCheckAfter
            self.sendersPerConnection = min(2, max(1, sendersPerConnection))
        }
    }

    /// How many connections the pool has.
    public struct Usage: Hashable, Sendable {
        /// Open or being opened.
        public var open: Int
        /// Open and unused.
        public var idle: Int

        public init(open: Int, idle: Int) {
            self.open = open
            self.idle = idle
        }
    }

    typealias Grant = SMTPConnectionPoolGrant<SMTPConnection>
    typealias StateMachine = SMTPConnectionPoolStateMachine<SMTPConnection, CheckedContinuation<Grant, any Error>>

    public let client: SMTPClientConfiguration
    public let configuration: Configuration
    private let tlsContext: TLSContext?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Internal (not private) so that tests can see which connections are idle.
    let state: Mutex<StateMachine>

    public init(
        client: SMTPClientConfiguration,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) throws(SMTPError) {
        self.client = client
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.state = Mutex(StateMachine(configuration: configuration))
        if client.tlsPolicy == .none {
            self.tlsContext = nil
        } else {
            do {
                self.tlsContext = try TLSContext(configuration: client.tls)
            } catch {
                throw SMTPError(.invalidConfiguration, "cannot set up TLS: \(error)")
            }
        }
    }

    /// The connections open now.
    public var usage: Usage {
        state.withLock { $0.usage }
    }

    /// Sends `message` on a pooled connection; see ``SMTPConnection/send(_:envelope:)``.
    ///
    /// A reused connection the server closed while it was idle fails before the message is sent;
    /// the message then goes once more, on another connection.
    public func send(_ message: ComposedMessage, envelope: SMTPEnvelope? = nil) async throws(SMTPError) -> SMTPDeliveryResult {
        var mayRetry = true
        while true {
            let (connection, isReused) = try await lease()
            do {
                let result = try await connection.send(message, envelope: envelope)
                release(connection)
                return result
            } catch {
                release(connection)
                guard mayRetry, isReused, error.isBeforeData else { throw error }
                logger.debug("a reused SMTP connection was closed before the message went; sending on another", metadata: ["smtp.error": "\(error)"])
                mayRetry = false
            }
        }
    }

    /// Opens a connection and closes it again: checks that the server answers, TLS works and the
    /// credentials are accepted.
    public func probe() async throws(SMTPError) {
        let connection = try await SMTPConnection.connect(
            configuration: client, tlsContext: tlsContext, eventLoopGroup: eventLoopGroup, logger: logger
        )
        await connection.close()
    }

    /// Closes the idle connections and refuses new sends; sends in flight finish.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { $0.shutdown() }
        for waiter in waiters {
            waiter.resume(throwing: SMTPError(.connectionUnusable, "the connection pool is shut down"))
        }
        for connection in idle {
            await connection.close()
        }
    }

    // MARK: - Leasing

    /// A connection, and whether it was used before (or is shared).
    private func lease() async throws(SMTPError) -> (SMTPConnection, isReused: Bool) {
        while true {
            switch try await grant() {
            case .openNew:
                let connection: SMTPConnection
                do {
                    connection = try await SMTPConnection.connect(
                        configuration: client, tlsContext: tlsContext, eventLoopGroup: callersLoop ?? eventLoopGroup, logger: logger
                    )
                } catch {
                    state.withLock { $0.connectFailed() }?.resume(returning: .openNew)
                    throw error
                }
                state.withLock { $0.connected(connection) }
                return (connection, false)
            case .use(let connection, let checkLiveness):
                if checkLiveness {
                    do {
                        try await connection.checkLiveness()
                    } catch {
                        logger.debug("SMTP connection failed its liveness check", metadata: ["smtp.error": "\(error)"])
                        perform(state.withLock { $0.discard(connection) }, for: connection)
                        continue
                    }
                }
                return (connection, true)
            }
        }
    }

    /// The pool's event loop the caller runs on, if any.
    private var callersLoop: (any EventLoop)? {
        guard let current = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
        return eventLoopGroup.makeIterator().first { $0 === current }
    }

    /// A reusable idle connection, leave to open one, or a share of a busy connection once all are
    /// open; waits for one of these when the pool is full.
    private func grant() async throws(SMTPError) -> Grant {
        // Most of the time one is at hand: no suspension then.
        if let immediate = immediateGrant(orWaitWith: nil) { return try immediate.get() }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                if let immediate = immediateGrant(orWaitWith: continuation) { continuation.resume(with: immediate) }
            }
        } catch {
            throw SMTPClientHandler.smtpError(error)
        }
    }

    /// What can be granted now; otherwise `nil`, with `waiter` (when given) queued for the next
    /// connection given back.
    private func immediateGrant(orWaitWith waiter: CheckedContinuation<Grant, any Error>?) -> Result<Grant, SMTPError>? {
        let now = ContinuousClock.now
        let action = state.withLock { $0.lease(waiter: waiter, now: now) }
        switch action {
        case .refuse:
            return .failure(SMTPError(.connectionUnusable, "the connection pool is shut down"))
        case .grant(let grant, let closing):
            close(closing)
            return .success(grant)
        case .wait(let closing):
            close(closing)
            return nil
        }
    }

    /// Takes a connection back after a send: to the next waiter, to the idle list, or closed.
    private func release(_ connection: SMTPConnection) {
        let now = ContinuousClock.now
        perform(state.withLock { $0.release(connection, now: now) }, for: connection)
    }

    /// Carries out what the state machine decided for `connection`.
    private func perform(_ action: StateMachine.ReleaseAction, for connection: SMTPConnection) {
        switch action {
        case .none:
            break
        case .keepIdle(let sweepAfter):
            if let sweepAfter { scheduleSweep(after: sweepAfter, on: connection.channel.eventLoop) }
        case .handOver(let grant, let waiter):
            waiter.resume(returning: grant)
        case .close(let closing, let waiter):
            close([closing])
            waiter?.resume(returning: .openNew)
        }
    }

    private func close(_ connections: [SMTPConnection]) {
        for connection in connections { Task { await connection.close() } }
    }

    /// Closes the connections left idle too long, then sweeps again while any is idle. One timer
    /// serves the whole pool (scheduling one per release would cost more than the sends).
    private func scheduleSweep(after delay: Duration, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(in: TimeAmount(delay)) { [weak self] in
            guard let self else { return }
            let now = ContinuousClock.now
            let sweep = self.state.withLock { $0.sweep(now: now) }
            self.close(sweep.closing)
            if let next = sweep.nextSweepAfter {
                self.scheduleSweep(after: next, on: eventLoop)
            }
        }
    }
}
