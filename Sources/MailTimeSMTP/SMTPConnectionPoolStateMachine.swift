/// The decisions of ``SMTPConnectionPool`` as a pure state machine: which connection a caller is
/// given, when a new one is opened, who waits, and when idle or aged connections are closed. The
/// pool reads the clock, carries out the actions and does the I/O; times come in as `now`, so
/// tests drive the machine with a clock of their own.
///
/// - A caller is given the most recently used idle connection, one on its own event loop first.
/// - With no idle connection and fewer than `maximumConnections` open, it opens a new one.
/// - With all open and `sendersPerConnection` of 2, it shares a connection that has one sender
///   (one on its own event loop first); otherwise it waits for the next connection given back.
/// - A connection older than `maximumReuseTime`, or one the server closed, is not reused; one idle
///   for `idleTimeout` is closed by the next sweep; one idle for `livenessCheckAfter` is checked
///   with NOOP before it is reused.
struct SMTPConnectionPoolStateMachine<Connection: SMTPPooledConnection, Waiter> {
    typealias Grant = SMTPConnectionPoolGrant<Connection>

    /// What to do for a caller asking for a connection.
    enum LeaseAction {
        /// Give the caller `grant`; close `closing` (idle connections found unusable).
        case grant(Grant, closing: [Connection])
        /// Nothing is free: the waiter, when one was given, was queued for the next connection
        /// given back. Close `closing`.
        case wait(closing: [Connection])
        /// The pool is shut down.
        case refuse
    }

    /// What to do with a connection given back or found broken.
    enum ReleaseAction {
        /// Nothing: another sender still uses it, or it was already let go.
        case none
        /// It is idle now; schedule a sweep after the given time when asked.
        case keepIdle(scheduleSweepAfter: Duration?)
        /// Give it to the waiter that waited longest.
        case handOver(Grant, to: Waiter)
        /// Close it; when a waiter is given, that waiter may open a new connection in its place.
        case close(Connection, grantingNewTo: Waiter?)
    }

    /// What a sweep of idle connections found.
    struct SweepAction {
        /// Connections idle for the idle timeout: close them.
        var closing: [Connection]
        /// When to sweep again; `nil` when no connection is idle.
        var nextSweepAfter: Duration?
    }

    private struct IdleConnection {
        var connection: Connection
        var since: Connection.Instant
    }

    let configuration: SMTPConnectionPool.Configuration
    private var idle: [IdleConnection] = []
    /// How many callers use each connection in use.
    private var users: [ObjectIdentifier: Int] = [:]
    /// Connections in use by one caller that a second may share.
    private var shareable: [Connection] = []
    private var open = 0
    private var waiters: [Waiter] = []
    private var isShutDown = false
    private var isSweepScheduled = false

    init(configuration: SMTPConnectionPool.Configuration) {
        self.configuration = configuration
    }

    /// Connections open or being opened, and those idle among them.
    var usage: SMTPConnectionPool.Usage {
        SMTPConnectionPool.Usage(open: open, idle: idle.count)
    }

    /// The idle connections, the one to be reused next last.
    var idleConnections: [Connection] { idle.map(\.connection) }

    private var isSharing: Bool { configuration.sendersPerConnection > 1 }

    /// A caller asks for a connection at `now`; `waiter` (when given) waits when none is free.
    mutating func lease(waiter: Waiter?, now: Connection.Instant) -> LeaseAction {
        guard !isShutDown else { return .refuse }
        var closing: [Connection] = []
        if let local = idle.lastIndex(where: { $0.connection.isOnCurrentEventLoop }) {
            idle.swapAt(local, idle.count - 1)
        }
        while let entry = idle.popLast() {
            if isReusable(entry.connection, at: now) {
                setUsers(1, of: entry.connection, sharing: isSharing)
                let checkLiveness = entry.since.duration(to: now) >= configuration.livenessCheckAfter
                return .grant(.use(entry.connection, checkLiveness: checkLiveness), closing: closing)
            }
            open -= 1
            closing.append(entry.connection)
        }
        if open < configuration.maximumConnections {
            open += 1
            return .grant(.openNew, closing: closing)
        }
        if let local = shareable.firstIndex(where: { $0.isOnCurrentEventLoop }) {
            shareable.swapAt(local, 0)
        }
        while let shared = shareable.first {
            if isReusable(shared, at: now) {
                setUsers(2, of: shared, sharing: isSharing)
                return .grant(.use(shared, checkLiveness: checksEveryReuse), closing: closing)
            }
            // Its user gives it up when its send ends.
            shareable.removeFirst()
        }
        if let waiter { waiters.append(waiter) }
        return .wait(closing: closing)
    }

    /// A new connection granted by ``lease(waiter:now:)`` is open and in use by its caller.
    mutating func connected(_ connection: Connection) {
        setUsers(1, of: connection, sharing: isSharing)
    }

    /// Opening a new connection failed: a waiter may try in its place, else it is not counted.
    mutating func connectFailed() -> Waiter? {
        if !waiters.isEmpty && !isShutDown {
            return waiters.removeFirst()
        }
        open -= 1
        return nil
    }

    /// A caller's send ended at `now` and it gives `connection` back.
    mutating func release(_ connection: Connection, now: Connection.Instant) -> ReleaseAction {
        guard isReusable(connection, at: now) else { return discard(connection) }
        let remaining = max(0, (users[ObjectIdentifier(connection)] ?? 1) - 1)
        if isShutDown {
            setUsers(remaining, of: connection, sharing: false)
            guard remaining == 0 else { return .none }
            open -= 1
            return .close(connection, grantingNewTo: nil)
        }
        if !waiters.isEmpty {
            setUsers(remaining + 1, of: connection, sharing: isSharing)
            return .handOver(.use(connection, checkLiveness: checksEveryReuse), to: waiters.removeFirst())
        }
        setUsers(remaining, of: connection, sharing: isSharing)
        guard remaining == 0 else { return .none }
        idle.append(IdleConnection(connection: connection, since: now))
        guard !isSweepScheduled else { return .keepIdle(scheduleSweepAfter: nil) }
        isSweepScheduled = true
        return .keepIdle(scheduleSweepAfter: configuration.idleTimeout)
    }

    /// `connection` failed (its liveness check, or it aged out): it is let go once, whichever of
    /// its users comes first, and a waiter may open a new one in its place.
    mutating func discard(_ connection: Connection) -> ReleaseAction {
        guard users[ObjectIdentifier(connection)] != nil else { return .none }
        setUsers(0, of: connection, sharing: isSharing)
        if !waiters.isEmpty && !isShutDown {
            return .close(connection, grantingNewTo: waiters.removeFirst())
        }
        open -= 1
        return .close(connection, grantingNewTo: nil)
    }

    /// The sweep timer fired at `now`: closes connections idle for the idle timeout.
    mutating func sweep(now: Connection.Instant) -> SweepAction {
        let limit = configuration.idleTimeout
        let expired = idle.filter { $0.since.duration(to: now) >= limit }.map(\.connection)
        idle.removeAll { $0.since.duration(to: now) >= limit }
        open -= expired.count
        guard let oldest = idle.map(\.since).min() else {
            isSweepScheduled = false
            return SweepAction(closing: expired, nextSweepAfter: nil)
        }
        return SweepAction(closing: expired, nextSweepAfter: max(limit - oldest.duration(to: now), .milliseconds(1)))
    }

    /// The pool shuts down: returns the idle connections to close and the waiters to fail.
    /// Connections in use are closed when they are given back.
    mutating func shutdown() -> (closing: [Connection], waiters: [Waiter]) {
        isShutDown = true
        open -= idle.count
        defer {
            idle = []
            waiters = []
        }
        return (idle.map(\.connection), waiters)
    }

    /// Whether a connection handed over without having been idle is checked anyway.
    private var checksEveryReuse: Bool { configuration.livenessCheckAfter <= .zero }

    private func isReusable(_ connection: Connection, at now: Connection.Instant) -> Bool {
        connection.isOpen && connection.establishedAt.duration(to: now) < configuration.maximumReuseTime
    }

    /// Records how many callers use `connection`; one with a single caller may take a second when sharing.
    private mutating func setUsers(_ count: Int, of connection: Connection, sharing: Bool) {
        users[ObjectIdentifier(connection)] = count == 0 ? nil : count
        let isShareable = sharing && count == 1
        if let index = shareable.firstIndex(where: { $0 === connection }) {
            if !isShareable { shareable.remove(at: index) }
        } else if isShareable {
            shareable.append(connection)
        }
    }
}
