import Histogram
import MailTimeMessage
import MailTimeSMTP

/// What sending the same message many times through a connection pool measured: the load of
/// `mailtime-bench smtp` and `mailtime-bench submission`.
struct SMTPLoad {
    /// From the first send to the last reply.
    var elapsed: Duration
    /// Each send's time from the call to the reply after the final ".", in microseconds.
    var latencies: Histogram<UInt64>
    /// Sends that failed or that no recipient accepted.
    var errors: Int
    /// Why the first failed send failed.
    var firstError: String?
    /// The server's reply to the final "." of the first accepted send.
    var firstReply: String?

    /// Messages accepted per second.
    func rate(messages: Int) -> Double {
        Double(messages - errors) / elapsed.seconds
    }

    /// Sends `message` `messages` times through `pool` from `senders` concurrent tasks, one message
    /// in flight each.
    static func run(pool: SMTPConnectionPool, senders: Int, messages: Int, message: ComposedMessage) async -> SMTPLoad {
        let perSender = (0..<senders).map { messages / senders + ($0 < messages % senders ? 1 : 0) }
        let clock = ContinuousClock()
        let start = clock.now
        var total = SMTPLoad(elapsed: .zero, latencies: histogram(), errors: 0)
        await withTaskGroup(of: SMTPLoad.self) { group in
            for count in perSender {
                group.addTask {
                    var load = SMTPLoad(elapsed: .zero, latencies: histogram(), errors: 0)
                    for _ in 0..<count {
                        let sent = clock.now
                        do {
                            let outcome = try await pool.send(message)
                            if let failure = outcome.failed.first {
                                load.failed("\(failure.recipient.address): \(failure.failure.map { "\($0)" } ?? "refused")")
                            } else {
                                load.firstReply = load.firstReply ?? outcome.dataReply?.description
                            }
                        } catch {
                            load.failed("\(error)")
                        }
                        load.latencies.record(UInt64((clock.now - sent).microseconds))
                    }
                    return load
                }
            }
            for await load in group {
                total.latencies.add(load.latencies)
                total.errors += load.errors
                total.firstError = total.firstError ?? load.firstError
                total.firstReply = total.firstReply ?? load.firstReply
            }
        }
        total.elapsed = clock.now - start
        return total
    }

    private mutating func failed(_ reason: String) {
        errors += 1
        firstError = firstError ?? reason
    }

    private static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }
}
