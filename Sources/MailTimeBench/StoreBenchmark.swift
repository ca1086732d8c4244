import ArgumentParser
import Foundation
import Histogram
import Logging
import MailTimeQueue

/// `mailtime-bench store`: durable enqueue and lease+complete throughput and latency, on an empty
/// store and on one with many jobs already queued, and the process's anonymous RSS.
struct StoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Measures the durable queue: enqueue and lease+complete throughput, latency, memory."
    )

    @Option(help: "Where to put the benchmark's stores (a folder on the disk to measure).")
    var directory: String = FileManager.default.temporaryDirectory.path

    @Option(help: "Payload size in bytes.")
    var payloadSize: Int = 2048

    @Option(parsing: .upToNextOption, help: "Concurrent callers for the enqueue measurements.")
    var callers: [Int] = [1, 16, 64]

    @Option(help: "Concurrent workers for the lease+complete measurement.")
    var workers: Int = 16

    @Option(help: "Jobs queued before the second round of measurements (0 skips it).")
    var prefill: Int = 1_000_000

    @Option(help: "Seconds each measurement runs.")
    var seconds: Double = 2

    @Option(help: "Runs of each measurement; the median is reported.")
    var runs: Int = 3

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    func run() async throws {
        let reporter = Reporter(json: json)
        reporter.header()
        let base = directory + "/mailtime-bench-store-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }

        var rounds: [(name: String, queued: Int)] = [("empty", 0)]
        if prefill > 0 { rounds.append(("prefilled", prefill)) }
        for round in rounds {
            let path = base + "/" + round.name
            let queue = try MailQueue(
                configuration: .init(directory: path), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
            if round.queued > 0 {
                let started = ContinuousClock.now
                try await fill(queue, count: round.queued)
                reporter.note("prefilled \(round.queued) jobs in \(format(ContinuousClock.now - started))")
            }
            for count in callers {
                let measurement = try await median { try await measureEnqueue(queue, callers: count) }
                reporter.row(store: round.name, operation: "enqueue", concurrency: count, measurement)
            }
            let leasing = try await median { try await measureLeaseComplete(queue, workers: workers) }
            reporter.row(store: round.name, operation: "lease+complete", concurrency: workers, leasing)
            reporter.memory(store: round.name, queued: try await queue.stats().count(.ready), rssAnonKB: anonymousRSSKilobytes())
            queue.close()
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Queues `count` jobs in large batches (not part of any figure).
    private func fill(_ queue: MailQueue, count: Int) async throws {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadSize)
        let batch = 1000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var start = task * batch
                    while start < count {
                        let size = min(batch, count - start)
                        _ = try await queue.enqueue(Array(repeating: NewJob(payload: payload), count: size))
                        start += 4 * batch
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func measureEnqueue(_ queue: MailQueue, callers: Int) async throws -> Measurement {
        let payload = [UInt8](repeating: UInt8(ascii: "e"), count: payloadSize)
        return try await measure(concurrency: callers) {
            _ = try await queue.enqueue([NewJob(payload: payload)])
            return 1
        }
    }

    private func measureLeaseComplete(_ queue: MailQueue, workers: Int) async throws -> Measurement {
        // Make sure there is enough to lease on an empty store.
        let stats = try await queue.stats()
        if stats.count(.ready) < 200_000 {
            try await fill(queue, count: 200_000 - stats.count(.ready))
        }
        return try await measure(concurrency: workers) {
            let leased = try await queue.lease(maximum: 1, visibility: .seconds(60), owner: "bench")
            for job in leased { try await queue.complete(job.job.id, token: job.token) }
            return leased.count
        }
    }

    /// Runs `operation` from `concurrency` tasks for the configured time, after an unrecorded
    /// warm-up of a fifth of it; each call's latency is recorded.
    private func measure(concurrency: Int, _ operation: @escaping @Sendable () async throws -> Int) async throws -> Measurement {
        let duration = Duration.milliseconds(Int64(seconds * 1000))
        let clock = ContinuousClock()
        let warmUpEnd = clock.now + duration / 5
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { while clock.now < warmUpEnd { _ = try await operation() } }
            }
            try await group.waitForAll()
        }
        let start = clock.now
        let deadline = start + duration
        let (operations, histogram) = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    var count = 0
                    while clock.now < deadline {
                        let began = clock.now
                        count += try await operation()
                        _ = histogram.record(UInt64((clock.now - began).microseconds))
                    }
                    return (count, histogram)
                }
            }
            var total = 0
            var merged = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for try await (count, histogram) in group {
                total += count
                merged.add(histogram)
            }
            return (total, merged)
        }
        let elapsed = clock.now - start
        return Measurement(
            operationsPerSecond: Double(operations) / elapsed.seconds,
            p50Microseconds: histogram.valueAtPercentile(50),
            p99Microseconds: histogram.valueAtPercentile(99)
        )
    }

    private func median(_ body: () async throws -> Measurement) async throws -> Measurement {
        var measurements: [Measurement] = []
        for _ in 0..<max(runs, 1) { measurements.append(try await body()) }
        measurements.sort { $0.operationsPerSecond < $1.operationsPerSecond }
        var middle = measurements[measurements.count / 2]
        middle.runs = measurements.map(\.operationsPerSecond)
        return middle
    }
}

/// One benchmark figure: the median run, with every run's rate.
struct Measurement {
    var operationsPerSecond: Double
    var p50Microseconds: UInt64
    var p99Microseconds: UInt64
    var runs: [Double] = []
}

/// Prints the figures as a table or as JSON lines.
private struct Reporter {
    let json: Bool

    func header() {
        guard !json else { return }
        print("store       operation        conc      ops/s    p50 µs    p99 µs   runs (ops/s)")
    }

    func row(store: String, operation: String, concurrency: Int, _ measurement: Measurement) {
        let runs = measurement.runs.map { String(Int($0.rounded())) }
        if json {
            print(
                #"{"store":"\#(store)","operation":"\#(operation)","concurrency":\#(concurrency),"ops_per_s":\#(Int(measurement.operationsPerSecond.rounded())),"p50_us":\#(measurement.p50Microseconds),"p99_us":\#(measurement.p99Microseconds),"runs":[\#(runs.joined(separator: ","))]}"#
            )
        } else {
            print(
                pad(store, 11), pad(operation, 15), pad("\(concurrency)", 5, right: true),
                pad("\(Int(measurement.operationsPerSecond.rounded()))", 10, right: true),
                pad("\(measurement.p50Microseconds)", 9, right: true), pad("\(measurement.p99Microseconds)", 9, right: true),
                "  " + runs.joined(separator: " ")
            )
        }
    }

    func memory(store: String, queued: Int, rssAnonKB: Int) {
        if json {
            print(#"{"store":"\#(store)","queued":\#(queued),"rss_anon_kb":\#(rssAnonKB)}"#)
        } else {
            print("\(pad(store, 11)) RssAnon \(rssAnonKB / 1024) MB with \(queued) jobs queued")
        }
    }

    func note(_ text: String) {
        if json {
            print(#"{"note":"\#(text)"}"#)
        } else {
            print("# \(text)")
        }
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}

/// A process's anonymous resident memory (`RssAnon` in /proc/<pid>/status), in kilobytes;
/// -1 when it cannot be read.
func anonymousRSSKilobytes(of process: String = "self") -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        return Int(line.split(separator: " ")[1]) ?? -1
    }
    return -1
}

func format(_ duration: Duration) -> String {
    String(format: "%.1f s", duration.seconds)
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
