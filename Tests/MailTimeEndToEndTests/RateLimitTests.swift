import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// A provider's `rate=` holds end to end.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct RateLimitTests {
    @Test func fiftyMessagesPerSecondHoldWithinTenPercent() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let rate = 50.0
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("limited", port: sink.port, "rate=\(Int(rate))"),
        ])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()

        // Queue them all first, so that only the rate limit paces the sends.
        let count = 150
        try await client.pause()
        _ = try await client.sendAll((0..<count).map { try Email.numbered($0, run: run) })
        try await client.resume()

        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        // Counted from the first poll that sees an arrival: a poll that comes late on a busy machine
        // sees several at once, and counting all of them over the shorter span would inflate the rate.
        var first: (at: ContinuousClock.Instant, arrived: Int)?
        var last: ContinuousClock.Instant
        while true {
            let arrived = try sink.deliveredCount()
            let now = clock.now
            if first == nil, arrived > 0 { first = (now, arrived) }
            if arrived >= count {
                last = now
                break
            }
            try #require(now < deadline, "only \(arrived) of \(count) arrived")
            try await Task.sleep(for: .milliseconds(2))
        }
        let span = last - (first?.at ?? last)
        let measured = Double(count - (first?.arrived ?? 1)) / (Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18)
        // Never more than 10% over the limit; under it, a busy machine (the tests run side by side on
        // two cores) may be slower than the limit by itself, so the floor only catches a limiter that
        // holds the sends back far too much.
        #expect(measured <= rate * 1.1 && measured >= rate * 0.7, "\(measured) messages per second over \(span)")
        try await waitUntil("every email to be sent", timeout: .seconds(10)) {
            try await client.stats().counts[.sent] == count
        }
        #expect(try sink.deliveredCount() == count)
        print("rate limit \(rate)/s: \(count) emails from first to last arrival in \(span): \(measured) per second")
        try await client.close()
    }
}
