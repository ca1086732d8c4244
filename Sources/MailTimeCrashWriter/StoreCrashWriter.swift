import ArgumentParser
import Glibc
import Logging
import MailTimeModel
import MailTimeQueue

/// The store's crash-test writer: enqueues, leases and completes in a loop from several
/// concurrent tasks, and prints one line per acknowledged operation (one `write(2)` each, so
/// lines stay whole when the process is killed). The crash test kills it with SIGKILL at random
/// moments and checks the store against what it printed:
///
///     E <idempotency-key> <id>     the job was enqueued
///     L <id> <token>               the job was leased with this token
///     C <id> <token>               the job was completed
///     R <id> <token>               the job was put back for another attempt
@main
struct StoreCrashWriter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailtime-crash-writer",
        abstract: "Writes to a store until killed, printing every acknowledged operation (for the crash test)."
    )

    @Option(help: "The store's data directory.")
    var directory: String

    @Option(help: "A name for this run, part of every idempotency key it makes.")
    var run: String

    @Option(help: "How many tasks write at once.")
    var tasks: Int = 8

    func run() async throws {
        var configuration = MailQueue.Configuration(directory: directory)
        configuration.retryPolicy = RetryPolicy(minimumDelay: .zero, maximumDelay: .zero, maximumAttempts: 1000)
        let queue = try MailQueue(configuration: configuration, logger: Logger(label: "crash-writer"))
        report("O \(run)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask { try await writeForever(queue, task: task) }
            }
            try await group.waitForAll()
        }
    }

    private func writeForever(_ queue: MailQueue, task: Int) async throws {
        let payload = [UInt8](repeating: UInt8(ascii: "m"), count: 2048)
        var sequence = 0
        while true {
            let batch = (0..<Int.random(in: 1...4)).map { _ in
                sequence += 1
                return NewJob(payload: payload, idempotencyKey: "\(run)-\(task)-\(sequence)")
            }
            let results = try await queue.enqueue(batch)
            for (job, result) in zip(batch, results) { report("E \(job.idempotencyKey!) \(result.id)") }

            let leased = try await queue.lease(maximum: 3, visibility: .seconds(1), owner: "\(run)-\(task)")
            for job in leased { report("L \(job.job.id) \(job.token)") }
            for (index, job) in leased.enumerated() {
                if index == 2 {
                    try await queue.retryLater(
                        job.job.id, token: job.token, error: DeliveryFailure(code: .smtpTemporary, text: "again"), delay: .zero)
                    report("R \(job.job.id) \(job.token)")
                } else {
                    // Leased jobs stay leased now and then, so their leases expire across crashes.
                    guard Int.random(in: 0..<10) > 0 else { continue }
                    try await queue.complete(job.job.id, token: job.token)
                    report("C \(job.job.id) \(job.token)")
                }
            }
        }
    }

    private func report(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}
