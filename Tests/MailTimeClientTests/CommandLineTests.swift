import Foundation
import MailTimeClient
import MailTimeTLS
import Synchronization
import Testing

/// The `mailtime` binary, built beside the test binary, run against an in-process broker.
@Suite("mailtime CLI", .timeLimit(.minutes(2)))
struct CommandLineTests {
    /// What a run of `mailtime` printed, and how it ended.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `mailtime` with `arguments` in `directory`, feeding it `input`; killed after 30 s.
    /// The process is waited for on threads of its own, not on the tasks' shared threads.
    static func mailtime(_ arguments: [String], in directory: String? = nil, input: String? = nil) async throws -> Run {
        let binary = try mailtimeBinary()
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try run(binary, arguments, in: directory, input: input) })
            }.start()
        }
    }

    /// `mailtime` in the products directory of the running test binary.
    static func mailtimeBinary() throws -> URL {
        let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let binary = products.appendingPathComponent("mailtime")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestFailure("mailtime is not built at \(binary.path): build it with `swift build --product mailtime`")
        }
        return binary
    }

    private static func run(_ binary: URL, _ arguments: [String], in directory: String?, input: String?) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["MAILTIME_TOKEN", "MAILTIME_FINGERPRINT", "MAILTIME_CA"] { environment.removeValue(forKey: name) }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) {
            if process.isRunning { process.terminate() }
        }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let errorData = Mutex(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            errorsRead.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorsRead.wait()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: errorData.withLock { String(decoding: $0, as: UTF8.self) }
        )
    }

    /// The flags that reach `broker` explicitly.
    static func connectionFlags(_ broker: TestBroker) throws -> [String] {
        let fingerprint = try TLSFingerprint(certificatePEM: String(contentsOfFile: broker.certificatePath, encoding: .utf8))
        return ["--port", "\(broker.port)", "--token", broker.adminToken, "--fingerprint", fingerprint.description]
    }

    @Test func sendsAndReportsStatusAndStats() async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker)
            let sent = try await Self.mailtime(
                ["send"] + flags + ["--from", "app@example.com", "--to", "ann@example.com", "--to", "bob@example.com", "--subject", "Hi", "--text", "Hello.", "--priority", "9"]
            )
            #expect(sent.status == 0, "\(sent.stderr)")
            let id = sent.stdout.trimmingCharacters(in: .newlines)
            #expect(UUID(uuidString: id) != nil)
            #expect(sent.stdout == id + "\n")

            let status = try await Self.mailtime(["status", id] + flags)
            #expect(status.status == 0, "\(status.stderr)")
            let job = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(job["id"] as? String == id)
            #expect(job["state"] as? String == "ready")
            #expect(job["priority"] as? Int == 9)

            let stats = try await Self.mailtime(["stats"] + flags)
            #expect(stats.status == 0, "\(stats.stderr)")
            let counts = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
            #expect(counts["ready"] as? Int == 1)

            let client = try await broker.connect()
            #expect(try await client.status(id).state == .ready)
            try await client.close()
        }
    }

    @Test func sendsAtAnRFC3339TimeWithHeadersAndTags() async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker)
            let later = (Int64(Date().timeIntervalSince1970) + 3600) * 1000
            let laterText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(later / 1000)))
            let sent = try await Self.mailtime(
                ["send"] + flags + [
                    "--from", "App <app@example.com>", "--to", "ann@example.com", "--text", "Hello.", "--send-at", laterText,
                    "--header", "X-Campaign: spring", "--tag", "welcome",
                ]
            )
            #expect(sent.status == 0, "\(sent.stderr)")
            let client = try await broker.connect()
            let status = try await client.status(sent.stdout.trimmingCharacters(in: .newlines))
            #expect(status.state == .scheduled)
            #expect(status.notBefore == later)
            try await client.close()
        }
    }

    @Test func findsTheLocalBrokersTokenAndCertificateInVar() async throws {
        try await TestBroker.run { broker in
            let workingDirectory = (broker.dataDirectory as NSString).deletingLastPathComponent
            let json = #"{"from":"app@example.com","to":"ann@example.com","subject":"From stdin","text":"Hello."}"#
            let sent = try await Self.mailtime(["send", "--port", "\(broker.port)", "--json", "-"], in: workingDirectory, input: json)
            #expect(sent.status == 0, "\(sent.stderr)")
            let id = sent.stdout.trimmingCharacters(in: .newlines)

            let listed = try await Self.mailtime(["list", "ready", "--port", "\(broker.port)"], in: workingDirectory)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdout.split(separator: "\n").count == 1)
            #expect(listed.stdout.contains(#""id":"\#(id)""#))

            let cancelled = try await Self.mailtime(["cancel", id, "--port", "\(broker.port)"], in: workingDirectory)
            #expect(cancelled.stdout == "CANCELLED\n")
            let requeued = try await Self.mailtime(["requeue", id, "--port", "\(broker.port)"], in: workingDirectory)
            #expect(requeued.stdout == "1\n")
            let ping = try await Self.mailtime(["ping", "--port", "\(broker.port)"], in: workingDirectory)
            #expect(ping.stdout == "PONG\n")
        }
    }

    @Test func aRefusalExitsWithTheBrokersCode() async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker)
            let unknown = try await Self.mailtime(["status", "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59"] + flags)
            #expect(unknown.status == 1)
            #expect(unknown.stdout.isEmpty)
            #expect(unknown.stderr.hasPrefix("error: NOT_FOUND "))

            let invalid = try await Self.mailtime(["send"] + flags + ["--from", "app@example.com", "--to", "bob@", "--text", "x"])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.hasPrefix("error: INVALID_ADDRESS to[0]: "))

            let badTime = try await Self.mailtime(["send"] + flags + ["--to", "bob@example.com", "--text", "x", "--send-at", "soon"])
            #expect(badTime.status == 1)
            #expect(badTime.stderr.hasPrefix("error: INVALID_SEND_AT "))

            let badToken = try await Self.mailtime(["ping", "--port", "\(broker.port)", "--token", "wrong-token-0123456789", "--fingerprint", flags[5]])
            #expect(badToken.status == 1)
            #expect(badToken.stderr.hasPrefix("error: AUTH_FAILED "))
        }
    }

    @Test func anUnreachableBrokerExitsWithTwo() async throws {
        let run = try await withClosedPort { port in
            try await Self.mailtime(["ping", "--port", "\(port)", "--token", "whatever-token-0123", "--fingerprint", String(repeating: "ab", count: 32)])
        }
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("error: CONNECTION_FAILED "))
    }

    @Test func printsEventsUntilInterrupted() async throws {
        try await TestBroker.run { broker in
            let process = Process()
            process.executableURL = try Self.mailtimeBinary()
            process.arguments = ["events"] + (try Self.connectionFlags(broker))
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let printed = Mutex("")
            output.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
            try process.run()
            defer {
                output.fileHandleForReading.readabilityHandler = nil
                if process.isRunning { process.terminate() }
            }

            // The subscription starts once the CLI has connected: cancel emails until it reports one.
            let client = try await broker.connect()
            let line = try await deadline(.seconds(15), "mailtime events to print an event") {
                while true {
                    let sent = try await client.send(sampleEmail())
                    _ = try await client.cancel(sent.id)
                    try await Task.sleep(for: .milliseconds(200))
                    if let line = printed.withLock({ $0 }).split(separator: "\n").first { return String(line) }
                }
            }
            #expect(line.hasPrefix(#"EVENT {"#))
            #expect(line.contains(#""event":"cancelled""#))
            try await client.close()

            process.interrupt()
            try await deadline(.seconds(10), "mailtime events to exit on SIGINT") {
                while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(process.terminationReason == .uncaughtSignal)
        }
    }
}
