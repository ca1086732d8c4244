import ArgumentParser
import Foundation
import Logging
import MailTimeClient
import MailTimeMessage

/// `mailtime-bench e2e`: enqueues 2 KB emails through the protocol to a running `mailtimed` whose
/// senders deliver to smtp-sink, and measures until smtp-sink has counted them all.
struct EndToEndBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Emails delivered per second, from SEND to smtp-sink's count."
    )

    @Option(help: "mailtimed's address.")
    var host = "127.0.0.1"

    @Option(help: "mailtimed's port.")
    var port = 7525

    @Option(help: "mailtimed's data directory, for its admin token and certificate.")
    var data = "./var"

    @Option(help: "The file smtp-sink -c writes its counters to (its standard output).")
    var sinkCounters: String

    @Option(help: "Emails to send.")
    var messages = 20_000

    @Option(help: "Email size in bytes.")
    var size = 2048

    @Option(help: "Connections to the broker.")
    var connections = 8

    @Option(help: "Requests in flight per connection.")
    var pipeline = 16

    @Option(help: "Seconds to wait for delivery before giving up.")
    var timeout: Double = 120

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let token = try String(contentsOfFile: data + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let trust = try BrokerTrust.pinned(certificateFile: data + "/tls/certificate.pem")
        let before = try sinkCount()
        // One email, encoded once: producers hand the broker JSON, however they make it.
        let emailJSON = Email(
            from: try EmailAddress("bench@example.com"), to: [try EmailAddress("sink@example.com")],
            subject: "Benchmark", text: String(repeating: "x", count: max(0, size - 200))
        ).jsonBytes()
        let clock = ContinuousClock()
        let start = clock.now
        let perConnection = (0..<connections).map { messages / connections + ($0 < messages % connections ? 1 : 0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for count in perConnection {
                group.addTask {
                    let client = try await MailTimeClient.connect(host: host, port: port, tls: trust, token: token, logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { senders in
                        for lane in 0..<pipeline {
                            senders.addTask {
                                var index = lane
                                while index < count {
                                    _ = try await client.send(emailJSON)
                                    index += pipeline
                                }
                            }
                        }
                        try await senders.waitForAll()
                    }
                    try await client.close()
                }
            }
            try await group.waitForAll()
        }
        let accepted = clock.now - start
        var delivered = try sinkCount() - before
        while delivered < messages {
            guard clock.now - start < .seconds(timeout) else {
                throw ValidationError("smtp-sink counted \(delivered) of \(messages) within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
            delivered = try sinkCount() - before
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let acceptedSeconds = Double(accepted.components.seconds) + Double(accepted.components.attoseconds) / 1e18
        let rate = Double(messages) / seconds
        if json {
            print(#"{"messages":\#(messages),"accepted_s":\#(String(format: "%.3f", acceptedSeconds)),"delivered_s":\#(String(format: "%.3f", seconds)),"delivered_per_s":\#(Int(rate)),"sink_count":\#(delivered)}"#)
        } else {
            print("e2e: \(messages) emails accepted in \(String(format: "%.2f", acceptedSeconds)) s, all delivered in \(String(format: "%.2f", seconds)) s: \(Int(rate)) delivered/s")
        }
    }

    /// smtp-sink's running message count: the highest `mesg=` of its complete counter records
    /// (each ends in CR or LF, depending on the version and the moment).
    private func sinkCount() throws -> Int {
        let text = (try? String(contentsOfFile: sinkCounters, encoding: .utf8)) ?? ""
        var records = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
        records.removeLast()
        return records.compactMap { record in
            record.split(separator: " ").first { $0.hasPrefix("mesg=") }.flatMap { Int($0.dropFirst(5)) }
        }.max() ?? 0
    }
}
