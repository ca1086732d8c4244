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

    @OptionGroup var broker: BrokerOptions

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

    @Option(help: "Emails per pipelined batch (MailTimeClient.send(batch:)); 1 sends them one by one.")
    var batch = 8

    @Option(help: "Seconds to wait for delivery before giving up.")
    var timeout: Double = 120

    @Flag(help: "Pause delivery while the emails are sent, then resume it: intake and delivery measured apart.")
    var separatePhases = false

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let token = try broker.adminToken()
        let trust = try BrokerTrust.pinned(certificateFile: broker.certificateFile)
        let sink = try SinkCounter(path: sinkCounters)
        let before = try sink.read()
        // One email, encoded once: producers hand the broker JSON, however they make it.
        let emailJSON = Email(
            from: try EmailAddress("bench@example.com"), to: [try EmailAddress("sink@example.com")],
            subject: "Benchmark", text: String(repeating: "x", count: max(0, size - 200))
        ).jsonBytes()
        let control = try await MailTimeClient.connect(host: broker.host, port: broker.port, tls: trust, token: token, logger: logger)
        if separatePhases { try await control.pause() }
        let clock = ContinuousClock()
        let start = clock.now
        let perConnection = (0..<connections).map { messages / connections + ($0 < messages % connections ? 1 : 0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for count in perConnection {
                group.addTask {
                    let client = try await MailTimeClient.connect(host: broker.host, port: broker.port, tls: trust, token: token, logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { senders in
                        // `pipeline / batch` lanes, each sending batches of `batch` emails.
                        let lanes = max(1, pipeline / max(1, batch))
                        for lane in 0..<lanes {
                            senders.addTask {
                                let share = count / lanes + (lane < count % lanes ? 1 : 0)
                                var sent = 0
                                while sent < share {
                                    let size = min(max(1, batch), share - sent)
                                    if size == 1 {
                                        _ = try await client.send(emailJSON)
                                    } else {
                                        for result in await client.send(batch: Array(repeating: emailJSON, count: size)) {
                                            _ = try result.get()
                                        }
                                    }
                                    sent += size
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
        if separatePhases { try await control.resume() }
        let deliveryStart = clock.now
        var delivered = try sink.read() - before
        while delivered < messages {
            guard clock.now - start < .seconds(timeout) else {
                throw ValidationError("smtp-sink counted \(delivered) of \(messages) within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
            delivered = try sink.read() - before
        }
        try await control.close()
        let seconds = (clock.now - start).seconds
        let acceptedSeconds = accepted.seconds
        let deliverySeconds = (clock.now - deliveryStart).seconds
        let rate = Double(messages) / (separatePhases ? deliverySeconds : seconds)
        if json {
            print(
                #"{"messages":\#(messages),"separate_phases":\#(separatePhases),"accepted_s":\#(String(format: "%.3f", acceptedSeconds)),"delivered_s":\#(String(format: "%.3f", seconds)),"delivered_per_s":\#(Int(rate)),"sink_count":\#(delivered)}"#
            )
        } else if separatePhases {
            print(
                "e2e: \(messages) emails accepted in \(String(format: "%.2f", acceptedSeconds)) s with delivery paused (\(Int(Double(messages) / acceptedSeconds))/s), then delivered in \(String(format: "%.2f", deliverySeconds)) s: \(Int(rate)) delivered/s"
            )
        } else {
            print(
                "e2e: \(messages) emails accepted in \(String(format: "%.2f", acceptedSeconds)) s, all delivered in \(String(format: "%.2f", seconds)) s: \(Int(rate)) delivered/s"
            )
        }
    }
}
