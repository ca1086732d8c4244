import ArgumentParser
import Foundation
import Histogram
import Logging
import MailTimeModel
import MailTimeQueue

/// `mailtime-bench search`: fills a store with many emails of varied recipients, domains, senders,
/// tags, providers, error codes and states, then times the first page (100) of each kind of filter.
struct SearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Measures the first page of each kind of search filter on a store with many emails (target: under 100 ms)."
    )

    @Option(help: "Where to put the benchmark's store (a folder on the disk to measure).")
    var directory: String = FileManager.default.temporaryDirectory.path

    @Option(help: "Emails stored before measuring.")
    var emails: Int = 1_000_000

    @Option(help: "Payload size in bytes.")
    var payloadSize: Int = 512

    @Option(help: "Timed searches per filter.")
    var repeats: Int = 200

    @Option(help: "Page size.")
    var limit: Int = 100

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    /// The first page must come back within this.
    static let target = Duration.milliseconds(100)

    /// How the emails vary: email `i` goes to user `i % users` at domain `i % domains`, from sender
    /// `i % senders`, with tag `i % tags`.
    static let users = 50_000
    static let domains = 500
    static let senders = 20
    static let tags = 100
    static let providers = 5

    func validate() throws {
        guard emails >= 10_000 else { throw ValidationError("--emails must be at least 10000") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
    }

    func run() async throws {
        let path = directory + "/mailtime-bench-search-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = MailQueue.Configuration(directory: path)
        configuration.initialMapSize = 1 << 30
        configuration.historyRetention = .seconds(365 * 24 * 3600)
        configuration.bodyRetention = .seconds(365 * 24 * 3600)
        let queue = try MailQueue(configuration: configuration, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { queue.close() }

        var started = ContinuousClock.now
        let (first, last) = try await fill(queue)
        note("queued \(emails) emails in \(format(.now - started))")
        started = .now
        try await settle(queue)
        let stats = try await queue.stats()
        let counts = JobState.allCases.map { "\($0.name) \(stats.count($0))" }.joined(separator: ", ")
        note("leased and reported in \(format(.now - started)): \(counts)")

        if !json { print("filter                                          page    p50 µs    p99 µs   target   ") }
        let span = last.millisecondsSince1970 - first.millisecondsSince1970
        let middle = Timestamp(millisecondsSince1970: first.millisecondsSince1970 + span * 45 / 100)
        let cases: [(String, @Sendable (Int) -> JobFilter)] = [
            ("state=ready", { _ in JobFilter(state: .ready) }),
            ("state=failed", { _ in JobFilter(state: .failed) }),
            (
                "recipient=<one of 50,000>",
                { run in JobFilter(recipient: "user\(run * 97 % Self.users)@domain\(run * 97 % Self.users % Self.domains).example") }
            ),
            ("domain=<one of 500>", { run in JobFilter(domain: "domain\(run % Self.domains).example") }),
            ("sender=<one of 20>", { run in JobFilter(sender: "app\(run % Self.senders)@shop.example") }),
            ("tag=<one of 100>", { run in JobFilter(tag: "tag\(run % Self.tags)") }),
            ("provider=<one of 5>", { run in JobFilter(provider: "relay-\(run % Self.providers)") }),
            ("error-code=SMTP_PERMANENT", { _ in JobFilter(errorCode: DeliveryFailure.Code.smtpPermanent.name) }),
            ("error-code=COMPOSE_FAILED (rare)", { _ in JobFilter(errorCode: DeliveryFailure.Code.composeFailed.name) }),
            ("created in the middle tenth", { _ in JobFilter(createdFrom: middle, createdBefore: middle + .milliseconds(span / 10)) }),
            // Values that match: email i is failed when i % 100 is 80-89, scheduled when it is 60-79.
            (
                "state=failed domain=<one of 500>",
                { run in JobFilter(state: .failed, domain: "domain\(80 + run % 10 + 100 * (run / 10 % 5)).example") }
            ),
            (
                "state=scheduled tag provider error-code",
                { run in
                    JobFilter(state: .scheduled, tag: "tag\(60 + run % 20)", provider: "relay-\((60 + run % 20) % 5)", errorCode: "SMTP_TEMPORARY")
                }
            ),
            // Two large sets that never meet: the intersection seeks through both.
            ("state=failed error-code=SMTP_TEMPORARY (none)", { _ in JobFilter(state: .failed, errorCode: "SMTP_TEMPORARY") }),
        ]
        for (name, filter) in cases {
            var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var page = 0
            for run in 0..<repeats {
                let began = ContinuousClock.now
                page = try await queue.search(filter(run), limit: limit).count
                _ = histogram.record(UInt64((ContinuousClock.now - began).microseconds))
            }
            report(name, page: page, p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99))
        }
    }

    /// Queues the emails in batches of 1,000 from four tasks; returns the first and last creation times.
    private func fill(_ queue: MailQueue) async throws -> (Timestamp, Timestamp) {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadSize)
        let batch = 1000
        let emails = emails
        let first = Timestamp.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var start = task * batch
                    while start < emails {
                        let jobs = (start..<min(start + batch, emails)).map { index in
                            NewJob(
                                payload: payload,
                                attributes: JobAttributes(
                                    recipients: ["user\(index % Self.users)@domain\(index % Self.users % Self.domains).example"],
                                    sender: "app\(index % Self.senders)@shop.example",
                                    tags: ["tag\(index % Self.tags)"]
                                )
                            )
                        }
                        _ = try await queue.enqueue(jobs)
                        start += 4 * batch
                    }
                }
            }
            try await group.waitForAll()
        }
        return (first, Timestamp.now())
    }

    /// Leases nine emails in ten and reports on them: of each 100 leased, 60 sent, 20 deferred for
    /// an hour (scheduled), 9 failed for good, 1 failed to compose, 10 left leased.
    private func settle(_ queue: MailQueue) async throws {
        var leasedSoFar = 0
        while leasedSoFar < emails * 9 / 10 {
            let leased = try await queue.lease(maximum: 1000, visibility: .seconds(3600), owner: "bench")
            guard !leased.isEmpty else { break }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (offset, job) in leased.enumerated() {
                    let index = leasedSoFar + offset
                    let provider = "relay-\(index % Self.providers)"
                    let id = job.job.id
                    let token = job.token
                    group.addTask {
                        switch index % 100 {
                        case 0..<60:
                            try await queue.complete(id, token: token)
                        case 60..<80:
                            let failure = DeliveryFailure(code: .smtpTemporary, text: "451 try later", provider: provider)
                            try await queue.retryLater(id, token: token, error: failure, delay: .seconds(3600))
                        case 80..<89:
                            try await queue.fail(id, token: token, error: DeliveryFailure(code: .smtpPermanent, text: "550 no", provider: provider))
                        case 89:
                            try await queue.fail(id, token: token, error: DeliveryFailure(code: .composeFailed, text: "unreadable"))
                        default:
                            break
                        }
                    }
                }
                try await group.waitForAll()
            }
            leasedSoFar += leased.count
        }
    }

    private func report(_ name: String, page: Int, p50: UInt64, p99: UInt64) {
        let within = p99 <= UInt64(Self.target.microseconds)
        if json {
            print(
                #"{"filter":"\#(name)","page":\#(page),"p50_us":\#(p50),"p99_us":\#(p99),"target_us":\#(Self.target.microseconds),"within_target":\#(within)}"#
            )
        } else {
            let padded = name + String(repeating: " ", count: max(0, 46 - name.count))
            let numbers = [String(page), String(p50), String(p99)].map { String(repeating: " ", count: max(0, 9 - $0.count)) + $0 }
            print(padded, numbers.joined(separator: " "), within ? "  p99 < 100 ms" : "  OVER 100 ms")
        }
    }

    private func note(_ text: String) {
        print(json ? #"{"note":"\#(text)"}"# : "# \(text)")
    }
}
