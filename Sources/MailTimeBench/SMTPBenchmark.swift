import ArgumentParser
import Foundation
import Histogram
import Logging
import MailTimeMessage
import MailTimeSMTP
import NIOPosix

/// `mailtime-bench smtp`: 2 KB messages from the SMTP client to a server (smtp-sink in
/// `Benchmarks/smtp-vs-smtp-source.sh`) over pooled, reused connections.
struct SMTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtp",
        abstract: "SMTP client throughput and latency against a server such as smtp-sink."
    )

    @Option(help: "The SMTP server's address.")
    var host = "127.0.0.1"

    @Option(help: "The SMTP server's port.")
    var port: Int

    @Option(help: "Connections (and senders, one message in flight each).")
    var connections = 20

    @Option(help: "Messages to send.")
    var messages = 20_000

    @Option(help: "Message size in bytes.")
    var size = 2048

    @Option(help: "Event loop threads for the client.")
    var threads = 1

    @Flag(help: "Do not pipeline MAIL, RCPT and DATA even when the server offers PIPELINING.")
    var noPipelining = false

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() async throws {
        let message = try Self.message(size: size)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = SMTPClientConfiguration(host: host, port: port, tlsPolicy: .none, usesPipelining: !noPipelining)
        let pool = try SMTPConnectionPool(
            client: client,
            configuration: SMTPConnectionPool.Configuration(maximumConnections: connections),
            eventLoopGroup: group,
            logger: logger
        )
        let perSender = (0..<connections).map { messages / connections + ($0 < messages % connections ? 1 : 0) }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await withThrowingTaskGroup(of: (Histogram<UInt64>, Int).self) { senders in
            for count in perSender {
                senders.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    var errors = 0
                    for _ in 0..<count {
                        let sent = clock.now
                        do {
                            let outcome = try await pool.send(message)
                            if outcome.accepted.isEmpty { errors += 1 }
                        } catch {
                            errors += 1
                        }
                        let elapsed = clock.now - sent
                        histogram.record(UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                    }
                    return (histogram, errors)
                }
            }
            var total = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var errors = 0
            for try await (histogram, failed) in senders {
                total.add(histogram)
                errors += failed
            }
            return (total, errors)
        }
        let elapsed = clock.now - start
        await pool.shutdown()
        try await group.shutdownGracefully()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(messages - result.1) / seconds
        let p50 = result.0.valueAtPercentile(50)
        let p99 = result.0.valueAtPercentile(99)
        if json {
            print(
                #"{"connections":\#(connections),"pipelining":\#(!noPipelining),"messages":\#(messages),"seconds":\#(String(format: "%.3f", seconds)),"msgs_per_s":\#(Int(rate)),"p50_us":\#(p50),"p99_us":\#(p99),"errors":\#(result.1)}"#
            )
        } else {
            print(
                "smtp: \(Int(rate)) messages/s, p50 \(p50) µs, p99 \(p99) µs, \(result.1) errors, \(connections) connections, pipelining \(noPipelining ? "off" : "on")"
            )
        }
    }

    /// A plain-text message of about `size` bytes, in 76-character lines.
    static func message(size: Int) throws -> ComposedMessage {
        let from = try EmailAddress("bench@example.com")
        let to = try EmailAddress("sink@example.com")
        var text = "From: \(from.address)\r\nTo: \(to.address)\r\nSubject: Benchmark\r\nMessage-ID: <bench@example.com>\r\n"
        text += "Date: Thu, 1 Jan 2026 00:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        let line = String(repeating: "x", count: 76) + "\r\n"
        while text.utf8.count + line.utf8.count <= size { text += line }
        return ComposedMessage(
            bytes: Array(text.utf8), messageID: "<bench@example.com>", from: from, recipients: [to],
            needsSMTPUTF8: false, needs8BitMIME: false
        )
    }
}
