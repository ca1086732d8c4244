import ArgumentParser
import Foundation
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

    @OptionGroup var options: SMTPLoadOptions

    @Flag(help: "Do not pipeline MAIL, RCPT and DATA even when the server offers PIPELINING.")
    var noPipelining = false

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() async throws {
        let message = try Self.message(size: options.size)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = SMTPClientConfiguration(host: host, port: port, tlsPolicy: .none, usesPipelining: !noPipelining)
        let pool = try SMTPConnectionPool(
            client: client,
            configuration: SMTPConnectionPool.Configuration(maximumConnections: connections),
            eventLoopGroup: group,
            logger: logger
        )
        let load = await SMTPLoad.run(pool: pool, senders: connections, messages: options.messages, message: message)
        await pool.shutdown()
        try await group.shutdownGracefully()
        let seconds = load.elapsed.seconds
        let rate = load.rate(messages: options.messages)
        let p50 = load.latencies.valueAtPercentile(50)
        let p99 = load.latencies.valueAtPercentile(99)
        let errors = load.errors
        if json {
            print(
                #"{"connections":\#(connections),"pipelining":\#(!noPipelining),"messages":\#(options.messages),"seconds":\#(String(format: "%.3f", seconds)),"msgs_per_s":\#(Int(rate)),"p50_us":\#(p50),"p99_us":\#(p99),"errors":\#(errors)}"#
            )
        } else {
            print(
                "smtp: \(Int(rate)) messages/s, p50 \(p50) µs, p99 \(p99) µs, \(errors) errors, \(connections) connections, pipelining \(noPipelining ? "off" : "on")"
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
