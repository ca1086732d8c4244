@testable import MailTimeBroker
import Synchronization
import Testing

/// The broker's total of unwritten reply bytes: taking, giving back, and waking the connections
/// that wait for it to drop below its limit.
@Suite struct UnwrittenReplyBudgetTests {
    private final class Waiter {}

    @Test func theTotalIsExceededAtTheLimit() {
        let budget = UnwrittenReplyBudget(limit: 100)
        budget.take(99)
        #expect(!budget.isExceeded)
        budget.take(1)
        #expect(budget.isExceeded)
        budget.release(1)
        #expect(!budget.isExceeded)
        #expect(budget.total == 99)
    }

    @Test func aConnectionWaitsOnlyWhileTheTotalIsExceeded() {
        let budget = UnwrittenReplyBudget(limit: 100)
        let waiter = Waiter()
        #expect(!budget.wake(ObjectIdentifier(waiter)) {})
        budget.take(150)
        #expect(budget.wake(ObjectIdentifier(waiter)) {})
    }

    @Test func waitingConnectionsAreWokenOnceBelowTheLimit() {
        let budget = UnwrittenReplyBudget(limit: 100)
        let woken = Atomic(0)
        let first = Waiter()
        let second = Waiter()
        budget.take(150)
        #expect(budget.wake(ObjectIdentifier(first)) { woken.add(1, ordering: .relaxed) })
        #expect(budget.wake(ObjectIdentifier(second)) { woken.add(10, ordering: .relaxed) })
        budget.release(50)
        let wokenAtTheLimit = woken.load(ordering: .relaxed)
        #expect(wokenAtTheLimit == 0)
        budget.release(1)
        let wokenBelowIt = woken.load(ordering: .relaxed)
        #expect(wokenBelowIt == 11)
        // Each is woken once.
        budget.take(100)
        budget.release(100)
        let wokenLater = woken.load(ordering: .relaxed)
        #expect(wokenLater == 11)
    }

    @Test func aForgottenConnectionIsNotWoken() {
        let budget = UnwrittenReplyBudget(limit: 100)
        let woken = Atomic(false)
        let waiter = Waiter()
        budget.take(100)
        #expect(budget.wake(ObjectIdentifier(waiter)) { woken.store(true, ordering: .relaxed) })
        budget.forget(ObjectIdentifier(waiter))
        budget.release(100)
        let wasWoken = woken.load(ordering: .relaxed)
        #expect(!wasWoken)
    }
}
