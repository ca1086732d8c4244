import Synchronization

/// Set once a server listens, so that a failure before it can be told from one after.
final class ListeningFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() {
        value.store(true, ordering: .relaxed)
    }

    var isSet: Bool { value.load(ordering: .relaxed) }
}
