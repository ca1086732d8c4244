/// The events of a broker, as they happen, on a connection of their own (see
/// ``MailTimeClient/events()``). Iterate it once; the connection closes when iteration ends, the
/// iterating task is cancelled, or ``close()`` is called. The stream throws if the broker goes away.
public struct MailTimeEventStream: AsyncSequence, Sendable {
    public typealias Element = MailTimeEvent
    public typealias Failure = MailTimeClientError

    let lines: AsyncThrowingStream<String, any Error>
    let connection: MailTimeClient

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Failure = MailTimeClientError

        var lines: AsyncThrowingStream<String, any Error>.AsyncIterator

        public mutating func next() async throws(MailTimeClientError) -> MailTimeEvent? {
            let line: String?
            do {
                line = try await lines.next()
            } catch {
                throw MailTimeClientError(error)
            }
            guard let line else { return nil }
            do throws(ProtocolError) {
                return try MailTimeEvent(jsonText: line)
            } catch {
                throw MailTimeClientError(unexpected: "an event", error)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lines: lines.makeAsyncIterator())
    }

    /// Ends the subscription: sends `QUIT` and waits for the connection to close. Iteration then
    /// ends without an error once the events already received have been read.
    public func close() async throws(MailTimeClientError) {
        try await connection.close()
    }
}
