import MailTimeConsole
import Synchronization
import Testing

@Suite("Console sessions")
struct ConsoleSessionTableTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let current = Mutex(ContinuousClock.now)

        func advance(by duration: Duration) {
            current.withLock { $0 += duration }
        }

        var now: ContinuousClock.Instant { current.withLock { $0 } }
    }

    @Test("sessions have random ids and CSRF tokens, and end on logout")
    func openAndClose() {
        let table = ConsoleSessionTable(limit: 10, idleTimeout: .seconds(60), lifetime: .seconds(3600))
        let first = table.open(role: .admin)
        let second = table.open(role: .viewer)
        #expect(first.id.count == 64 && first.csrfToken.count == 64)
        #expect(Set([first.id, first.csrfToken, second.id, second.csrfToken]).count == 4)
        #expect(table.session(id: first.id)?.role == .admin)
        #expect(table.session(id: second.id)?.mayAct == false)
        table.close(id: first.id)
        #expect(table.session(id: first.id) == nil)
        #expect(table.session(id: "") == nil)
    }

    @Test("a session ends when idle too long or past its lifetime")
    func expiry() {
        let clock = ManualClock()
        let table = ConsoleSessionTable(limit: 10, idleTimeout: .seconds(60), lifetime: .seconds(150), now: { clock.now })
        let session = table.open(role: .admin)
        clock.advance(by: .seconds(59))
        #expect(table.session(id: session.id) != nil)
        clock.advance(by: .seconds(59))
        #expect(table.session(id: session.id) != nil, "used within the idle timeout")
        clock.advance(by: .seconds(40))
        #expect(table.session(id: session.id) == nil, "past its lifetime though used")
        let idle = table.open(role: .admin)
        clock.advance(by: .seconds(60))
        #expect(table.session(id: idle.id) == nil)
    }

    @Test("at the limit a login ends the least recently used session")
    func limit() {
        let clock = ManualClock()
        let table = ConsoleSessionTable(limit: 2, idleTimeout: .seconds(600), lifetime: .seconds(3600), now: { clock.now })
        let first = table.open(role: .admin)
        clock.advance(by: .seconds(1))
        let second = table.open(role: .admin)
        clock.advance(by: .seconds(1))
        _ = table.session(id: first.id)
        clock.advance(by: .seconds(1))
        let third = table.open(role: .viewer)
        #expect(table.count == 2)
        #expect(table.session(id: second.id) == nil)
        #expect(table.session(id: first.id) != nil)
        #expect(table.session(id: third.id) != nil)
    }
}
