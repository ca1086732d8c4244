import MailTimeProtocol
import Synchronization

/// The open sessions, kept in memory only: a restart logs everyone out. At most
/// ``ConsoleConfiguration/maximumSessions``; each ends after the idle timeout or its lifetime.
public final class ConsoleSessionTable: Sendable {
    private let sessions = Mutex<[String: ConsoleSession]>([:])
    private let limit: Int
    private let idleTimeout: Duration
    private let lifetime: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        limit: Int,
        idleTimeout: Duration,
        lifetime: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        precondition(limit > 0, "a session table holds at least one session")
        self.limit = limit
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
        self.now = now
    }

    /// Opens a session for `role`, ending expired sessions and, at the limit, the least recently used one.
    public func open(role: BrokerRole) -> ConsoleSession {
        let time = now()
        let session = ConsoleSession(id: Self.randomHex(), role: role, csrfToken: Self.randomHex(), openedAt: time, lastUsed: time)
        sessions.withLock { sessions in
            sessions = sessions.filter { !isExpired($0.value, at: time) }
            while sessions.count >= limit, let oldest = sessions.values.min(by: { $0.lastUsed < $1.lastUsed }) {
                sessions[oldest.id] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The session with cookie value `id`, marked as used now; `nil` when unknown or expired.
    public func session(id: String) -> ConsoleSession? {
        let time = now()
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard !isExpired(session, at: time) else {
                sessions[id] = nil
                return nil
            }
            session.lastUsed = time
            sessions[id] = session
            return session
        }
    }

    /// Ends the session with cookie value `id` (logout).
    public func close(id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// How many sessions are open (expired ones included until they are next looked at).
    public var count: Int { sessions.withLock { $0.count } }

    private func isExpired(_ session: ConsoleSession, at time: ContinuousClock.Instant) -> Bool {
        time - session.lastUsed >= idleTimeout || time - session.openedAt >= lifetime
    }

    /// 32 bytes from the system's random generator (getrandom(2)), in lower-case hex.
    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }

    /// Whether `a` equals `b`, in a time that depends only on their lengths.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
