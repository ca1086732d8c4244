import Logging
import MailTimeMessage
import MailTimeTLS
import NIOCore
import NIOPosix
import Synchronization

/// Connections to one SMTP server, reused from message to message.
///
/// At most ``Configuration/maximumConnections`` are open at once; callers beyond that wait for
/// one. A connection idle for ``Configuration/idleTimeout`` is closed, one older than
/// ``Configuration/maximumReuseTime`` is not reused, and one idle for
/// ``Configuration/livenessCheckAfter`` or longer is checked with NOOP before it is reused.
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

        public init(
            maximumConnections: Int = 10,
            idleTimeout: Duration = .seconds(30),
            maximumReuseTime: Duration = .seconds(300),
            livenessCheckAfter: Duration = .seconds(1)
        ) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
            self.maximumReuseTime = maximumReuseTime
            self.livenessCheckAfter = livenessCheckAfter
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

    private struct IdleConnection {
        var connection: SMTPConnection
        var since: ContinuousClock.Instant
    }

    /// What a waiting caller is given: a connection to reuse, or leave to open one.
    private enum Grant {
        case connection(IdleConnection)
        case newConnection
    }

    private struct State {
        var idle: [IdleConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<Grant, any Error>] = []
        var isShutDown = false
        var isSweepScheduled = false
    }

    public let client: SMTPClientConfiguration
    public let configuration: Configuration
    private let tlsContext: TLSContext?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

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
        state.withLock { Usage(open: $0.open, idle: $0.idle.count) }
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
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.resume(throwing: SMTPError(.connectionUnusable, "the connection pool is shut down"))
        }
        for entry in idle {
            await entry.connection.close()
        }
    }

    // MARK: - Leasing

    /// A connection, and whether it was used before.
    private func lease() async throws(SMTPError) -> (SMTPConnection, isReused: Bool) {
        while true {
            let grant = try await grant()
            switch grant {
            case .newConnection:
                do {
                    let connection = try await SMTPConnection.connect(
                        configuration: client, tlsContext: tlsContext, eventLoopGroup: eventLoopGroup, logger: logger
                    )
                    return (connection, false)
                } catch {
                    discard(nil)
                    throw error
                }
            case .connection(let entry):
                if ContinuousClock.now - entry.since >= configuration.livenessCheckAfter {
                    do {
                        try await entry.connection.checkLiveness()
                    } catch {
                        logger.debug("SMTP connection failed its liveness check", metadata: ["smtp.error": "\(error)"])
                        discard(entry.connection)
                        continue
                    }
                }
                return (entry.connection, true)
            }
        }
    }

    /// A reusable idle connection, or leave to open one; waits for either when the pool is full.
    private func grant() async throws(SMTPError) -> Grant {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let now = ContinuousClock.now
                var stale: [SMTPConnection] = []
                let immediate: Result<Grant, SMTPError>? = state.withLock { state in
                    guard !state.isShutDown else {
                        return .failure(SMTPError(.connectionUnusable, "the connection pool is shut down"))
                    }
                    while let entry = state.idle.popLast() {
                        if entry.connection.isOpen && now - entry.connection.establishedAt < configuration.maximumReuseTime {
                            return .success(.connection(entry))
                        }
                        state.open -= 1
                        stale.append(entry.connection)
                    }
                    if state.open < configuration.maximumConnections {
                        state.open += 1
                        return .success(.newConnection)
                    }
                    state.waiters.append(continuation)
                    return nil
                }
                for connection in stale { Task { await connection.close() } }
                if let immediate { continuation.resume(with: immediate) }
            }
        } catch {
            throw SMTPClientHandler.smtpError(error)
        }
    }

    /// Takes a connection back after a send: to the next waiter, to the idle list, or closed.
    private func release(_ connection: SMTPConnection) {
        let now = ContinuousClock.now
        guard connection.isOpen, now - connection.establishedAt < configuration.maximumReuseTime else {
            discard(connection)
            return
        }
        let entry = IdleConnection(connection: connection, since: now)
        let waiter: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if state.isShutDown {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty {
                return state.waiters.removeFirst()
            }
            state.idle.append(entry)
            return nil
        }
        if let waiter {
            waiter.resume(returning: .connection(entry))
        } else if state.withLock({ $0.isShutDown }) {
            Task { await connection.close() }
        } else {
            scheduleIdleClose(entry)
        }
    }

    /// Forgets a connection that failed or aged out, and lets a waiter open a new one.
    private func discard(_ connection: SMTPConnection?) {
        let waiter: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if !state.waiters.isEmpty && !state.isShutDown {
                return state.waiters.removeFirst()
            }
            state.open -= 1
            return nil
        }
        if let connection { Task { await connection.close() } }
        waiter?.resume(returning: .newConnection)
    }

    /// Makes sure a sweep will close the connections left idle too long. One timer serves the
    /// whole pool (scheduling one per release would cost more than the sends).
    private func scheduleIdleClose(_ entry: IdleConnection) {
        let needsSweep = state.withLock { state in
            defer { state.isSweepScheduled = true }
            return !state.isSweepScheduled
        }
        if needsSweep {
            scheduleSweep(after: configuration.idleTimeout, on: entry.connection.channel.eventLoop)
        }
    }

    private func scheduleSweep(after delay: Duration, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(in: TimeAmount(delay)) { [weak self] in
            guard let self else { return }
            let now = ContinuousClock.now
            let (expired, nextDue) = self.state.withLock { state -> ([SMTPConnection], Duration?) in
                let limit = self.configuration.idleTimeout
                let expired = state.idle.filter { now - $0.since >= limit }.map(\.connection)
                state.idle.removeAll { now - $0.since >= limit }
                state.open -= expired.count
                guard let oldest = state.idle.map(\.since).min() else {
                    state.isSweepScheduled = false
                    return (expired, nil)
                }
                return (expired, limit - (now - oldest))
            }
            for connection in expired {
                Task { await connection.close() }
            }
            if let nextDue {
                self.scheduleSweep(after: max(nextDue, .milliseconds(1)), on: eventLoop)
            }
        }
    }
}
