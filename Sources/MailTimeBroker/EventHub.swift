import MailTimeQueue
import Synchronization

/// Hands every queue event to each `EVENTS` subscriber.
final class EventHub: Sendable {
    typealias Subscriber = @Sendable (QueueEvent) -> Void

    private let subscribers = Mutex<(next: Int, all: [Int: Subscriber])>((0, [:]))

    /// Adds a subscriber; returns the key to remove it with.
    func subscribe(_ subscriber: @escaping Subscriber) -> Int {
        subscribers.withLock { state in
            state.next += 1
            state.all[state.next] = subscriber
            return state.next
        }
    }

    func unsubscribe(_ key: Int) {
        _ = subscribers.withLock { $0.all.removeValue(forKey: key) }
    }

    /// Reads the queue's events until the stream ends or the task is cancelled.
    func run(_ events: AsyncStream<QueueEvent>) async {
        for await event in events {
            let current = subscribers.withLock { $0.all.isEmpty ? [] : Array($0.all.values) }
            for subscriber in current { subscriber(event) }
        }
    }
}
