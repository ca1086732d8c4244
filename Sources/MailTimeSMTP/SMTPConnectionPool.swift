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

    struct IdleConnection {
        var connection: SMTPConnection
        var since: ContinuousClock.Instant
    }

    /// What a waiting caller is given: a connection to reuse, or leave to open one.
    enum Grant {
        case connection(IdleConnection)
        case newConnection
    }

    struct State {
        var idle: [IdleConnection] = []
        /// How many callers use each connection in use.
        var users: [ObjectIdentifier: Int] = [:]
        /// Connections in use by one caller that a second may share.
        var shareable: [SMTPConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<Grant, any Error>] = []
        var isShutDown = false
        var isSweepScheduled = false

        /// Records how many callers use `connection`; one with a single caller may take a second when sharing.
        mutating func setUsers(_ count: Int, of connection: SMTPConnection, sharing: Bool) {
            users[ObjectIdentifier(connection)] = count == 0 ? nil : count
            let isShareable = sharing && count == 1
            if let index = shareable.firstIndex(where: { $0 === connection }) {
                if !isShareable { shareable.remove(at: index) }
            } else if isShareable {
                shareable.append(connection)
            }
        }
    }

    public let client: SMTPClientConfiguration
    public let configuration: Configuration
    private let tlsContext: TLSContext?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Internal (not private) so that tests can see which connections are idle.
    let state = Mutex(State())

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

    /// A connection, and whether it was used before (or is shared).
    private func lease() async throws(SMTPError) -> (SMTPConnection, isReused: Bool) {
        while true {
            let grant = try await grant()
            switch grant {
            case .newConnection:
                let connection: SMTPConnection
                do {
                    connection = try await SMTPConnection.connect(
                        configuration: client, tlsContext: tlsContext, eventLoopGroup: callersLoop ?? eventLoopGroup, logger: logger
                    )
                } catch {
                    discard(nil)
                    throw error
                }
                state.withLock { $0.setUsers(1, of: connection, sharing: isSharing) }
                return (connection, false)
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

    private var isSharing: Bool { configuration.sendersPerConnection > 1 }

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
        var stale: [SMTPConnection] = []
        let immediate: Result<Grant, SMTPError>? = state.withLock { state in
            guard !state.isShutDown else {
                return .failure(SMTPError(.connectionUnusable, "the connection pool is shut down"))
            }
            // The most recently used idle connection on the caller's loop, else the most recently used one.
            if let local = state.idle.lastIndex(where: { $0.connection.channel.eventLoop.inEventLoop }) {
                state.idle.swapAt(local, state.idle.count - 1)
            }
            while let entry = state.idle.popLast() {
                if isReusable(entry.connection, at: now) {
                    state.setUsers(1, of: entry.connection, sharing: isSharing)
                    return .success(.connection(entry))
                }
                state.open -= 1
                stale.append(entry.connection)
            }
            if state.open < configuration.maximumConnections {
                state.open += 1
                return .success(.newConnection)
            }
            if let local = state.shareable.firstIndex(where: { $0.channel.eventLoop.inEventLoop }) {
                state.shareable.swapAt(local, 0)
            }
            while let shared = state.shareable.first {
                if isReusable(shared, at: now) {
                    state.setUsers(2, of: shared, sharing: isSharing)
                    return .success(.connection(IdleConnection(connection: shared, since: now)))
                }
                // Its user gives it up when its send ends.
                state.shareable.removeFirst()
            }
            if let waiter { state.waiters.append(waiter) }
            return nil
        }
        for connection in stale { Task { await connection.close() } }
        return immediate
    }

    private func isReusable(_ connection: SMTPConnection, at now: ContinuousClock.Instant) -> Bool {
        connection.isOpen && now - connection.establishedAt < configuration.maximumReuseTime
    }

    /// Takes a connection back after a send: to the next waiter, to the idle list, or closed.
    private func release(_ connection: SMTPConnection) {
        let now = ContinuousClock.now
        guard isReusable(connection, at: now) else {
            discard(connection)
            return
        }
        let entry = IdleConnection(connection: connection, since: now)
        enum Next { case waiter(CheckedContinuation<Grant, any Error>), idle, close, stillInUse }
        let next: Next = state.withLock { state in
            let remaining = max(0, (state.users[ObjectIdentifier(connection)] ?? 1) - 1)
            if state.isShutDown {
                state.setUsers(remaining, of: connection, sharing: false)
                guard remaining == 0 else { return .stillInUse }
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty {
                state.setUsers(remaining + 1, of: connection, sharing: isSharing)
                return .waiter(state.waiters.removeFirst())
            }
            state.setUsers(remaining, of: connection, sharing: isSharing)
            guard remaining == 0 else { return .stillInUse }
            state.idle.append(entry)
            return .idle
        }
        switch next {
        case .waiter(let waiter): waiter.resume(returning: .connection(entry))
        case .idle: scheduleIdleClose(entry)
        case .close: Task { await connection.close() }
        case .stillInUse: break
        }
    }

    /// Forgets a connection that failed or aged out (once, whichever of its users comes first),
    /// and lets a waiter open a new one.
    private func discard(_ connection: SMTPConnection?) {
        let (isKnown, waiter): (Bool, CheckedContinuation<Grant, any Error>?) = state.withLock { state in
            if let connection {
                guard state.users[ObjectIdentifier(connection)] != nil else { return (false, nil) }
                state.setUsers(0, of: connection, sharing: isSharing)
            }
            if !state.waiters.isEmpty && !state.isShutDown {
                return (true, state.waiters.removeFirst())
            }
            state.open -= 1
            return (true, nil)
        }
        guard isKnown else { return }
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

