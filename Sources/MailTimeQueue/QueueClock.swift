/// Where the queue reads the current time. Tests pass a clock they move by hand.
public struct QueueClock: Sendable {
    private let read: @Sendable () -> Timestamp

    public init(_ read: @escaping @Sendable () -> Timestamp) {
        self.read = read
    }

    /// The system's wall clock.
    public static let system = QueueClock { Timestamp.now() }

    /// The current time by this clock.
    public func now() -> Timestamp { read() }
}
