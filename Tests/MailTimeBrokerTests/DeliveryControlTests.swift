@testable import MailTimeBroker
import Testing

/// `DeliveryControl`: how new emails and RESUME wake the idle senders.
@Suite struct DeliveryControlTests {
    @Test func oneEmailWakesOneIdleSenderAndResumeWakesTheRest() async throws {
        let control = DeliveryControl()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask { await control.waitForWork(timeout: .seconds(60)) }
            }
            while control.idleSenderCount < 3 { try? await Task.sleep(for: .milliseconds(5)) }
            control.workArrived(wakingUpTo: 1)
            await group.next()
            try? await Task.sleep(for: .milliseconds(50))
            #expect(control.idleSenderCount == 2, "one email wakes one sender")
            control.workArrived()
            await group.waitForAll()
            #expect(control.idleSenderCount == 0)
        }
    }
}
