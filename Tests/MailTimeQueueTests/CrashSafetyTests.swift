import Foundation
import MailTimeModel
import MailTimeQueue
import MailTimeTestSupport
import Testing

/// Kills a writer process with SIGKILL at random moments and checks that the store kept every
/// operation it acknowledged, duplicated nothing, and opens cleanly every time.
@Suite(.tags(.slow), .unlessSkipped(.slow)) struct CrashSafetyTests {
    /// `mailtime-crash-writer`, built beside this test binary.
    private var writerPath: String {
        get throws { try BuiltProduct.path("mailtime-crash-writer") }
    }

    private struct Acknowledged {
        var enqueued: [String: JobID] = [:]
        var leased: [JobID: UInt64] = [:]
        var completed: [JobID: UInt64] = [:]
        var retried: [JobID: UInt64] = [:]
        var opened = 0

        mutating func read(_ output: String) throws {
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                switch fields.first {
                case "O": opened += 1
                case "E":
                    let id = try #require(JobID(fields[2]))
                    #expect(enqueued[String(fields[1])] == nil, "key \(fields[1]) acknowledged twice")
                    enqueued[String(fields[1])] = id
                case "L": leased[try #require(JobID(fields[1]))] = try #require(UInt64(fields[2])) as UInt64
                case "C": completed[try #require(JobID(fields[1]))] = try #require(UInt64(fields[2])) as UInt64
                case "R": retried[try #require(JobID(fields[1]))] = try #require(UInt64(fields[2])) as UInt64
                default: Issue.record("unexpected line from the writer: \(line)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func everyAcknowledgedOperationSurvivesSIGKILL() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var acknowledged = Acknowledged()
        let kills = 24

        for run in 0..<kills {
            let output = try await runWriterUntilKilled(directory: directory.path, run: "r\(run)")
            try acknowledged.read(output)
            try await verify(acknowledged, directory: directory.path)
        }
        // `verify` opened the store after every kill (it was never left locked or damaged); most runs opened
        // it too and did real work (on a busy machine a writer may be killed before it got to open it).
        #expect(acknowledged.opened >= kills * 3 / 4)
        #expect(acknowledged.enqueued.count > kills * 10)
        #expect(acknowledged.completed.count > kills)
    }

    private func runWriterUntilKilled(directory: String, run: String) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try writerPath)
        process.arguments = ["--directory", directory, "--run", run]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Let it open the store and write for a random while, then kill it mid-flight.
        try await Task.sleep(for: .milliseconds(Int.random(in: 250...700)))
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        #expect(process.terminationReason == .uncaughtSignal, "the writer stopped by itself: \(process.terminationStatus)")
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    private func verify(_ acknowledged: Acknowledged, directory: String) async throws {
        // Every round of the queue ends expired leases; a clock stopped at the time of the check keeps
        // the jobs from moving between states while they are listed.
        var configuration = MailQueue.Configuration(directory: directory)
        let checkTime = Timestamp.now()
        configuration.clock = QueueClock { checkTime }
        let queue = try MailQueue(configuration: configuration, logger: .quiet)
        defer { queue.close() }

        var all: [Job] = []
        for state in JobState.allCases {
            var after: JobID?
            while true {
                let page = try await queue.list(state: state, after: after, limit: 1000)
                if page.isEmpty { break }
                all += page
                after = page.last?.id
            }
        }
        // The counts kept in the store agree with the jobs it holds.
        let stats = try await queue.stats()
        for state in JobState.allCases {
            #expect(stats.count(state) == all.filter { $0.state == state }.count, "count of \(state)")
        }
        // Nothing is duplicated: each idempotency key is held by one job.
        let byKey = Dictionary(grouping: all, by: { $0.idempotencyKey ?? "" })
        #expect(byKey.values.allSatisfy { $0.count == 1 }, "a key is held by two jobs")
        let jobs = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

        for (key, id) in acknowledged.enqueued {
            guard let job = jobs[id] else {
                let stored = try? await queue.status(id)
                Issue.record("acknowledged job \(id) is not listed; its record: \(String(describing: stored))")
                continue
            }
            #expect(job.idempotencyKey == key)
            #expect(try await queue.payload(of: id).count == 2048)
        }
        for (id, token) in acknowledged.leased {
            let job = try #require(jobs[id])
            #expect(job.attempts >= 1)
            #expect(job.state.isFinal || job.lease == nil || job.lease!.token >= token, "lease of \(id) went back in time")
        }
        for (id, token) in acknowledged.retried {
            let job = try #require(jobs[id])
            #expect(job.lastError?.code == .smtpTemporary || job.state == .sent, "retry of \(id) with token \(token) is lost")
        }
        for (id, token) in acknowledged.completed {
            let job = try #require(jobs[id])
            #expect(job.state == .sent, "completion of \(id) with token \(token) is lost")
        }
    }
}
