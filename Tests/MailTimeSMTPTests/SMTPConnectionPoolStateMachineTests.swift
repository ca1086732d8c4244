@testable import MailTimeSMTP
import Testing

/// The pool's decisions, driven by a manual clock: no test waits for a timer.
@Suite struct SMTPConnectionPoolStateMachineTests {
    typealias Machine = SMTPConnectionPoolStateMachine<FakeConnection, String>

    private let clock = ManualClock()

    private func machine(
        maximumConnections: Int = 2,
        idleTimeout: Duration = .seconds(30),
        maximumReuseTime: Duration = .seconds(300),
        livenessCheckAfter: Duration = .seconds(1),
        sendersPerConnection: Int = 1
    ) -> Machine {
        Machine(
            configuration: .init(
                maximumConnections: maximumConnections,
                idleTimeout: idleTimeout,
                maximumReuseTime: maximumReuseTime,
                livenessCheckAfter: livenessCheckAfter,
                sendersPerConnection: sendersPerConnection
            )
        )
    }

    /// Leases a new connection and reports it open, as the pool does.
    private func open(_ machine: inout Machine, _ name: String, onCurrentLoop: Bool = false) -> FakeConnection {
        guard case .grant(.openNew, let closing) = machine.lease(waiter: nil, now: clock.now), closing.isEmpty else {
            Issue.record("\(name): no new connection granted")
            return FakeConnection(name, at: clock.now)
        }
        let connection = FakeConnection(name, at: clock.now, onCurrentLoop: onCurrentLoop)
        machine.connected(connection)
        return connection
    }

    /// The connection an immediate lease reuses, and whether it is to be checked first.
    private func reused(_ machine: inout Machine) -> (FakeConnection, checkLiveness: Bool)? {
        guard case .grant(.use(let connection, let check), _) = machine.lease(waiter: nil, now: clock.now) else { return nil }
        return (connection, check)
    }

    // MARK: Opening and waiting

    @Test func opensUpToTheLimitThenQueuesWaiters() {
        var machine = machine(maximumConnections: 2)
        _ = open(&machine, "a")
        _ = open(&machine, "b")
        #expect(machine.usage == .init(open: 2, idle: 0))
        guard case .wait(let closing) = machine.lease(waiter: "w1", now: clock.now) else {
            Issue.record("a third caller did not wait")
            return
        }
        #expect(closing.isEmpty)
        guard case .wait = machine.lease(waiter: "w2", now: clock.now) else {
            Issue.record("no wait")
            return
        }
        #expect(machine.usage.open == 2)
    }

    @Test func aReleasedConnectionGoesToTheLongestWaiter() {
        var machine = machine(maximumConnections: 1)
        let a = open(&machine, "a")
        _ = machine.lease(waiter: "w1", now: clock.now)
        _ = machine.lease(waiter: "w2", now: clock.now)
        guard case .handOver(.use(let given, let check), let waiter) = machine.release(a, now: clock.now) else {
            Issue.record("not handed over")
            return
        }
        #expect(given === a)
        #expect(!check)
        #expect(waiter == "w1")
        guard case .handOver(_, "w2") = machine.release(a, now: clock.now) else {
            Issue.record("w2 not served")
            return
        }
        guard case .keepIdle = machine.release(a, now: clock.now) else {
            Issue.record("not idle")
            return
        }
        #expect(machine.usage == .init(open: 1, idle: 1))
    }

    @Test func aFailedConnectLetsAWaiterTryInstead() {
        var machine = machine(maximumConnections: 1)
        _ = machine.lease(waiter: nil, now: clock.now)
        _ = machine.lease(waiter: "w", now: clock.now)
        #expect(machine.connectFailed() == "w")
        #expect(machine.usage.open == 1)
        #expect(machine.connectFailed() == nil)
        #expect(machine.usage.open == 0)
    }

    // MARK: Reuse

    @Test func theMostRecentlyUsedIdleConnectionIsReusedFirst() {
        var machine = machine(maximumConnections: 2)
        let a = open(&machine, "a")
        let b = open(&machine, "b")
        _ = machine.release(b, now: clock.now)
        _ = machine.release(a, now: clock.now)
        #expect(machine.idleConnections.map(\.name) == ["b", "a"])
        #expect(reused(&machine)?.0 === a)
        #expect(reused(&machine)?.0 === b)
        guard case .wait = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("granted beyond the limit")
            return
        }
    }

    @Test func anIdleConnectionOnTheCallersLoopComesFirst() {
        var machine = machine(maximumConnections: 3)
        let local = open(&machine, "local", onCurrentLoop: true)
        let b = open(&machine, "b")
        let c = open(&machine, "c")
        for connection in [local, b, c] { _ = machine.release(connection, now: clock.now) }
        #expect(reused(&machine)?.0 === local)
        #expect(Set(machine.idleConnections.map(\.name)) == ["b", "c"])
    }

    @Test func aConnectionIdleLongEnoughIsCheckedBeforeReuse() {
        var machine = machine(livenessCheckAfter: .seconds(1))
        let a = open(&machine, "a")
        _ = machine.release(a, now: clock.now)
        clock.advance(by: .milliseconds(999))
        #expect(reused(&machine)?.checkLiveness == false)
        _ = machine.release(a, now: clock.now)
        clock.advance(by: .seconds(1))
        #expect(reused(&machine)?.checkLiveness == true)
    }

    @Test func aZeroLivenessIntervalChecksEveryReuse() {
        var machine = machine(maximumConnections: 1, livenessCheckAfter: .zero)
        let a = open(&machine, "a")
        _ = machine.lease(waiter: "w", now: clock.now)
        guard case .handOver(.use(_, checkLiveness: true), "w") = machine.release(a, now: clock.now) else {
            Issue.record("a handed-over connection was not checked")
            return
        }
        _ = machine.release(a, now: clock.now)
        #expect(reused(&machine)?.checkLiveness == true)
    }

    @Test func aConnectionFailingItsCheckIsClosedAndAWaiterOpensAnother() {
        var machine = machine(maximumConnections: 1, livenessCheckAfter: .zero)
        let a = open(&machine, "a")
        _ = machine.release(a, now: clock.now)
        _ = reused(&machine)
        _ = machine.lease(waiter: "w", now: clock.now)
        guard case .close(let closed, grantingNewTo: "w"?) = machine.discard(a) else {
            Issue.record("not closed")
            return
        }
        #expect(closed === a)
        #expect(machine.usage.open == 1)
        // Its other user finds it gone.
        guard case .none = machine.discard(a) else {
            Issue.record("discarded twice")
            return
        }
    }

    @Test func aConnectionTheServerClosedWhileIdleIsNotReused() {
        var machine = machine(maximumConnections: 1)
        let a = open(&machine, "a")
        _ = machine.release(a, now: clock.now)
        a.isOpen = false
        guard case .grant(.openNew, let closing) = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("a closed connection was reused")
            return
        }
        #expect(closing.map(\.name) == ["a"])
        #expect(machine.usage == .init(open: 1, idle: 0))
    }

    @Test func connectionsAreNotReusedPastTheirMaximumReuseTime() {
        var machine = machine(maximumConnections: 2, maximumReuseTime: .seconds(300))
        let a = open(&machine, "a")
        let b = open(&machine, "b")
        _ = machine.release(b, now: clock.now)
        clock.advance(by: .seconds(300))
        // Given back too old: closed.
        guard case .close(let closed, grantingNewTo: nil) = machine.release(a, now: clock.now) else {
            Issue.record("an old connection was kept")
            return
        }
        #expect(closed === a)
        // Found too old while idle: closed, and a new one opened in its place.
        guard case .grant(.openNew, let closing) = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("an old idle connection was reused")
            return
        }
        #expect(closing.map(\.name) == ["b"])
        #expect(machine.usage == .init(open: 1, idle: 0))
    }

    // MARK: Sharing

    @Test func withAllOpenASecondSenderSharesAConnection() {
        var machine = machine(maximumConnections: 2, sendersPerConnection: 2)
        let a = open(&machine, "a")
        let local = open(&machine, "local", onCurrentLoop: true)
        #expect(reused(&machine)?.0 === local)
        #expect(reused(&machine)?.0 === a)
        // Each has two senders now.
        guard case .wait = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("a third sender shared")
            return
        }
        // One sender finishing keeps it in use for the other, and shareable again.
        guard case .none = machine.release(a, now: clock.now) else {
            Issue.record("a shared connection went idle")
            return
        }
        #expect(reused(&machine)?.0 === a)
    }

    @Test func oneSenderPerConnectionNeverShares() {
        var machine = machine(maximumConnections: 1, sendersPerConnection: 1)
        _ = open(&machine, "a")
        guard case .wait = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("shared")
            return
        }
    }

    @Test func aClosedConnectionIsNotShared() {
        var machine = machine(maximumConnections: 1, sendersPerConnection: 2)
        let a = open(&machine, "a")
        a.isOpen = false
        guard case .wait = machine.lease(waiter: nil, now: clock.now) else {
            Issue.record("shared a closed connection")
            return
        }
        guard case .close(_, grantingNewTo: nil) = machine.release(a, now: clock.now) else {
            Issue.record("kept")
            return
        }
        #expect(machine.usage.open == 0)
    }

    // MARK: Idle timeout

    @Test func idleConnectionsAreSweptAfterTheIdleTimeout() {
        var machine = machine(maximumConnections: 2, idleTimeout: .seconds(30))
        let a = open(&machine, "a")
        let b = open(&machine, "b")
        guard case .keepIdle(let firstSweep) = machine.release(a, now: clock.now), firstSweep == .seconds(30) else {
            Issue.record("no sweep scheduled")
            return
        }
        clock.advance(by: .seconds(10))
        // One sweep serves the pool.
        guard case .keepIdle(let secondSweep) = machine.release(b, now: clock.now), secondSweep == nil else {
            Issue.record("a second sweep scheduled")
            return
        }
        clock.advance(by: .seconds(20))
        let first = machine.sweep(now: clock.now)
        #expect(first.closing.map(\.name) == ["a"])
        #expect(first.nextSweepAfter == .seconds(10))
        #expect(machine.usage == .init(open: 1, idle: 1))
        clock.advance(by: .seconds(10))
        let second = machine.sweep(now: clock.now)
        #expect(second.closing.map(\.name) == ["b"])
        #expect(second.nextSweepAfter == nil)
        #expect(machine.usage == .init(open: 0, idle: 0))
        // The next idle connection schedules a sweep again.
        let c = open(&machine, "c")
        guard case .keepIdle(let nextSweep) = machine.release(c, now: clock.now), nextSweep == .seconds(30) else {
            Issue.record("no sweep scheduled after the last one ended")
            return
        }
    }

    @Test func aSweepBeforeTheTimeoutClosesNothing() {
        var machine = machine(idleTimeout: .seconds(30))
        let a = open(&machine, "a")
        _ = machine.release(a, now: clock.now)
        clock.advance(by: .seconds(29))
        let sweep = machine.sweep(now: clock.now)
        #expect(sweep.closing.isEmpty)
        #expect(sweep.nextSweepAfter == .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(machine.sweep(now: clock.now).closing.map(\.name) == ["a"])
    }

    @Test func aReusedConnectionIsNotSwept() {
        var machine = machine(idleTimeout: .seconds(30))
        let a = open(&machine, "a")
        _ = machine.release(a, now: clock.now)
        clock.advance(by: .seconds(20))
        _ = reused(&machine)
        _ = machine.release(a, now: clock.now)
        clock.advance(by: .seconds(10))
        let sweep = machine.sweep(now: clock.now)
        #expect(sweep.closing.isEmpty)
        #expect(sweep.nextSweepAfter == .seconds(20))
    }

    // MARK: Shutdown

    @Test func shutdownClosesIdleConnectionsAndRefuses() {
        var machine = machine(maximumConnections: 2)
        let a = open(&machine, "a")
        let b = open(&machine, "b")
        _ = machine.release(a, now: clock.now)
        let (closing, waiters) = machine.shutdown()
        #expect(closing.map(\.name) == ["a"])
        #expect(waiters.isEmpty)
        #expect(machine.usage == .init(open: 1, idle: 0))
        guard case .refuse = machine.lease(waiter: "w", now: clock.now) else {
            Issue.record("granted after shutdown")
            return
        }
        // Connections in use close when given back.
        guard case .close(let closed, grantingNewTo: nil) = machine.release(b, now: clock.now) else {
            Issue.record("kept")
            return
        }
        #expect(closed === b)
        #expect(machine.usage.open == 0)
    }

    @Test func shutdownFailsTheWaiters() {
        var machine = machine(maximumConnections: 1)
        let a = open(&machine, "a")
        _ = machine.lease(waiter: "w1", now: clock.now)
        _ = machine.lease(waiter: "w2", now: clock.now)
        let (closing, waiters) = machine.shutdown()
        #expect(closing.isEmpty)
        #expect(waiters == ["w1", "w2"])
        // No waiter is left to hand the connection to.
        guard case .close(_, grantingNewTo: nil) = machine.release(a, now: clock.now) else {
            Issue.record("kept")
            return
        }
    }

    @Test func aSharedConnectionClosesAfterItsLastSenderAtShutdown() {
        var machine = machine(maximumConnections: 1, sendersPerConnection: 2)
        let a = open(&machine, "a")
        _ = reused(&machine)
        _ = machine.shutdown()
        guard case .none = machine.release(a, now: clock.now) else {
            Issue.record("closed under its other sender")
            return
        }
        guard case .close = machine.release(a, now: clock.now) else {
            Issue.record("not closed")
            return
        }
        #expect(machine.usage.open == 0)
    }
}

/// A clock the test moves by hand.
final class ManualClock {
    private(set) var now = ContinuousClock.now

    func advance(by duration: Duration) {
        now += duration
    }
}

/// A stand-in connection: the test decides whether it is open and on the caller's event loop.
final class FakeConnection: SMTPPooledConnection {
    let name: String
    let establishedAt: ContinuousClock.Instant
    let isOnCurrentEventLoop: Bool
    var isOpen = true

    init(_ name: String, at establishedAt: ContinuousClock.Instant, onCurrentLoop: Bool = false) {
        self.name = name
        self.establishedAt = establishedAt
        self.isOnCurrentEventLoop = onCurrentLoop
    }
}
