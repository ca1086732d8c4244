import Logging
import MailTimeDelivery
import MailTimeMessage
import MailTimeModel
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// `SenderWorker.run(_:on:)`: each worker runs on one loop of the group, spread evenly.
@Suite struct SenderWorkerEventLoopTests {
    /// Records the loop each lease comes from, then ends the worker's loop.
    final class LoopRecordingSource: JobSource {
        let loops = Mutex<[ObjectIdentifier?]>([])

        func lease(maximum: Int) async throws -> [DeliveryJob] {
            let current = MultiThreadedEventLoopGroup.currentEventLoop.map(ObjectIdentifier.init)
            loops.withLock { $0.append(current) }
            throw CancellationError()
        }
        func report(_ report: AttemptReport, for job: DeliveryJob) async throws {}
        func renew(_ job: DeliveryJob) async throws -> Bool { false }
        func waitForWork() async {}
    }

    struct UnusedDeliverer: MailDeliverer {
        var name: String { "unused" }
        func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
            .fail(DeliveryFailure(code: DeliveryFailure.Code("UNUSED"), text: "nothing is delivered here"), recipients: [])
        }
    }

    @Test func workersAreSpreadOverTheLoops() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let source = LoopRecordingSource()
        let workers = (0..<4).map { _ in
            SenderWorker(
                source: source, deliverer: UnusedDeliverer(), composer: MessageComposer(),
                renewalInterval: .seconds(10), logger: Logger(label: "test")
            )
        }
        await SenderWorker.run(workers, on: group)
        let loops = source.loops.withLock { $0 }
        let expected = Array(group.makeIterator()).map(ObjectIdentifier.init)
        #expect(loops.count == 4)
        #expect(loops.allSatisfy { $0 != nil })
        for loop in expected {
            #expect(loops.filter { $0 == loop }.count == 2)
        }
        try await group.shutdownGracefully()
    }
}
