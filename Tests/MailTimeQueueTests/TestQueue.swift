import Foundation
import Logging
import MailTimeQueue
import MailTimeTestSupport
import Synchronization

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time = Mutex(Timestamp(millisecondsSince1970: 1_800_000_000_000))

    var now: Timestamp { time.withLock { $0 } }

    func advance(by duration: Duration) {
        time.withLock { $0 = $0 + duration }
    }

    var queueClock: QueueClock {
        QueueClock { [self] in now }
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "mailtime-test-" + UUID().uuidString
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Opens a queue on a fresh directory with a manual clock, runs `body`, closes and removes it.
func withTestQueue<Result>(
    _ configure: (inout MailQueue.Configuration) -> Void = { _ in },
    _ body: (MailQueue, ManualClock) async throws -> Result
) async throws -> Result {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let clock = ManualClock()
    var configuration = MailQueue.Configuration(directory: directory.path)
    configuration.clock = clock.queueClock
    configure(&configuration)
    let queue = try MailQueue(configuration: configuration, logger: .quiet)
    defer { queue.close() }
    return try await body(queue, clock)
}

func email(_ text: String = "hello") -> NewJob {
    NewJob(payload: Array(text.utf8))
}

/// The queue error `body` throws; fails the test when it throws none or another kind.
func queueError(_ body: () async throws -> Void) async -> QueueError? {
    do {
        try await body()
        return nil
    } catch let error as QueueError {
        return error
    } catch {
        return nil
    }
}
