import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTLS
import MailTimeTestSupport
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

    /// The environment variables `mailtime` reads; the tests' own values are not passed on.
    static let environmentVariables = ["MAILTIME_URL", "MAILTIME_TOKEN", "MAILTIME_FINGERPRINT", "MAILTIME_CA"]

    /// Runs `mailtime` with `arguments` in `directory` with `environment` added, feeding it `input`;
    /// killed after 30 s. The process is waited for on threads of its own, not on the tasks' shared threads.
    static func mailtime(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
    ) async throws -> Run {
        let binary = try mailtimeBinary()
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try run(binary, arguments, in: directory, environment: environment, input: input) })
            }.start()
        }
    }

    /// `mailtime` in the products directory of the running test binary.
    static func mailtimeBinary() throws -> URL {
        URL(fileURLWithPath: try BuiltProduct.path("mailtime"))
    }

    private static func run(
        _ binary: URL, _ arguments: [String], in directory: String?, environment added: [String: String], input: String?
    ) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in environmentVariables { environment.removeValue(forKey: name) }
        process.environment = environment.merging(added) { $1 }
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
        ["--port", "\(broker.port)", "--token", broker.adminToken, "--fingerprint", try fingerprint(broker)]
    }

    /// The SHA-256 fingerprint of `broker`'s certificate, in hexadecimal.
    static func fingerprint(_ broker: TestBroker) throws -> String {
        try TLSFingerprint(certificatePEM: String(contentsOfFile: broker.certificatePath, encoding: .utf8)).description
    }

    /// The `key: value` lines of human output by key, and each line's value column.
    static func fields(_ output: String) -> (values: [String: String], columns: Set<Int>) {
        var values: [String: String] = [:]
        var columns: Set<Int> = []
        for line in output.split(separator: "\n") where !line.hasPrefix(" ") {
            let key = line.prefix { $0 != ":" }
            let value = line.dropFirst(key.count + 1).drop { $0 == " " }
            values[String(key)] = String(value)
            columns.insert(line.count - value.count)
        }
        return (values, columns)
    }

    /// Whether `text` is a time as the CLI prints it: ISO 8601 in UTC, to the second.
    static func isISO8601(_ text: String?) -> Bool {
        text?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil
    }

    @Test func sendsAndReportsStatusAndStats() async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker)
            let sent = try await Self.mailtime(
                ["send"] + flags + [
                    "--from", "app@example.com", "--to", "ann@example.com", "--to", "bob@example.com", "--subject", "Hi", "--text", "Hello.",
                    "--priority", "9",
                ]
            )
            #expect(sent.status == 0, "\(sent.stderr)")
            let id = sent.stdout.trimmingCharacters(in: .newlines)
            #expect(UUID(uuidString: id) != nil)
            #expect(sent.stdout == id + "\n")

            let status = try await Self.mailtime(["status", id, "--json"] + flags)
            #expect(status.status == 0, "\(status.stderr)")
            let job = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(job["id"] as? String == id)
            #expect(job["state"] as? String == "ready")
            #expect(job["priority"] as? Int == 9)

            let stats = try await Self.mailtime(["stats", "--json"] + flags)
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

    @Test func printsStatusStatsAndListForPeopleAndAsJSON() async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker)
            // One email fails for good with a result per recipient; another waits.
            let client = try await broker.connect()
            let email = Email(
                from: try EmailAddress("app@example.com"),
                to: [try EmailAddress("ann@example.com"), try EmailAddress("bob@example.com")],
                subject: "Hi",
                text: "Hello."
            )
            let failed = try await client.send(email).id
            let leased = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            #expect(leased.id == failed)
            try await client.fail(
                id: failed,
                token: leased.token,
                error: DeliveryFailure(code: .smtpPermanent, text: "550 no such user", provider: "smtp-main"),
                results: [
                    RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "OK"),
                    RecipientResult(address: "bob@example.com", accepted: false, code: 550, reply: "no such user"),
                ]
            )
            let ready = try await client.send(try sampleEmail()).id
            try await client.close()

            let status = try await Self.mailtime(["status", failed] + flags)
            #expect(status.status == 0, "\(status.stderr)")
            let (fields, columns) = Self.fields(status.stdout)
            #expect(columns.count == 1, "the values are aligned: \(status.stdout)")
            #expect(fields["id"] == failed)
            #expect(fields["state"] == "failed")
            #expect(fields["attempts"] == "1")
            #expect(Self.isISO8601(fields["created"]))
            #expect(Self.isISO8601(fields["updated"]))
            #expect(Self.isISO8601(fields["finished"]))
            #expect(fields["next attempt"] == "-")
            #expect(fields["last error"] == "SMTP_PERMANENT 550 no such user (smtp-main)")
            #expect(fields["provider"] == "-")
            #expect(fields["recipients"] == "ann@example.com  accepted  250 OK")
            let lines = status.stdout.split(separator: "\n")
            let recipients = try #require(lines.firstIndex { $0.hasPrefix("recipients:") })
            let indent = String(repeating: " ", count: columns.first ?? 0)
            #expect(lines[recipients + 1] == Substring(indent + "bob@example.com  rejected  550 no such user"))
            // The attempt history comes last: the attempt, its error, its recipients.
            #expect(fields["history"]?.hasPrefix("#1  ") == true)
            #expect(fields["history"]?.hasSuffix("  failed  smtp-main  -") == true, "\(status.stdout)")
            #expect(
                lines.suffix(3)
                    == [
                        indent + "  SMTP_PERMANENT 550 no such user", indent + "  ann@example.com  accepted  250 OK",
                        indent + "  bob@example.com  rejected  550 no such user",
                    ].map { Substring($0) })

            let statusJSON = try await Self.mailtime(["status", failed, "--json"] + flags)
            let job = try #require(try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any])
            #expect(statusJSON.stdout.split(separator: "\n").count == 1)
            #expect(job["state"] as? String == "failed")

            let stats = try await Self.mailtime(["stats"] + flags)
            #expect(stats.status == 0, "\(stats.stderr)")
            let (counts, statsColumns) = Self.fields(stats.stdout)
            #expect(statsColumns.count == 1, "the values are aligned: \(stats.stdout)")
            #expect(counts["ready"] == "1")
            #expect(counts["failed"] == "1")
            #expect(counts["sent"] == "0")
            #expect(counts["oldest ready"]?.hasSuffix("s") == true)
            #expect(counts["paused"] == "no")
            #expect(Int(counts["connections"] ?? "") ?? 0 >= 1)
            let statsJSON = try await Self.mailtime(["stats", "--json"] + flags)
            let statsObject = try #require(try JSONSerialization.jsonObject(with: Data(statsJSON.stdout.utf8)) as? [String: Any])
            #expect(statsObject["failed"] as? Int == 1)

            let listFailed = try await Self.mailtime(["list", "failed"] + flags)
            #expect(listFailed.stdout == "\(failed)  failed  attempts=1  SMTP_PERMANENT\n", "\(listFailed.stderr)")
            let listReady = try await Self.mailtime(["list", "ready"] + flags)
            #expect(listReady.stdout == "\(ready)  ready  attempts=0  -\n", "\(listReady.stderr)")
            let listJSON = try await Self.mailtime(["list", "ready", "--json"] + flags)
            let listed = try listJSON.stdout.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(listed.map { $0["id"] as? String } == [ready])
        }
    }

    @Test(arguments: [false, true]) func sendPrintsTheIdAloneAndADuplicateOnStderr(json: Bool) async throws {
        try await TestBroker.run { broker in
            let flags = try Self.connectionFlags(broker) + (json ? ["--json"] : [])
            let send =
                ["send"] + flags + ["--from", "app@example.com", "--to", "ann@example.com", "--text", "Hello.", "--idempotency-key", "welcome-ann"]
            let first = try await Self.mailtime(send)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.isEmpty)
            let again = try await Self.mailtime(send)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == first.stdout)
            #expect(again.stderr.hasPrefix("(duplicate) ") != json)
        }
    }

    @Test func sendRefusesAFileThatIsNotJSONBeforeConnecting() async throws {
        let directory = NSTemporaryDirectory() + "mailtime-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let message = "From: app@example.com\r\nTo: ann@example.com\r\nSubject: Hi\r\n\r\nHello.\r\n"
        try message.write(toFile: directory + "/hello.eml", atomically: true, encoding: .utf8)
        let (fromFile, fromStdin) = try await withClosedPort { port in
            let flags = ["--port", "\(port)", "--token", "whatever-token-0123", "--fingerprint", String(repeating: "ab", count: 32)]
            return (
                try await Self.mailtime(["send", "--file", directory + "/hello.eml"] + flags),
                try await Self.mailtime(["send", "--file", "-"] + flags, input: message)
            )
        }
        for run in [fromFile, fromStdin] {
            #expect(run.status == 1)
            #expect(run.stderr.hasPrefix("error: INVALID_JSON "))
            #expect(run.stderr.contains("the protocol takes an email as a JSON object"))
        }
        let missing = try await Self.mailtime(["send", "--file", directory + "/missing.json"])
        #expect(missing.status == 64)
        let both = try await Self.mailtime(["send", "--file", "-", "--to", "ann@example.com"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("--file sends the file as it is"))
    }

    @Test func findsTheLocalBrokersTokenAndCertificateInVar() async throws {
        try await TestBroker.run { broker in
            let workingDirectory = (broker.dataDirectory as NSString).deletingLastPathComponent
            let json = #"{"from":"app@example.com","to":"ann@example.com","subject":"From stdin","text":"Hello."}"#
            let sent = try await Self.mailtime(["send", "--port", "\(broker.port)", "--file", "-"], in: workingDirectory, input: json)
            #expect(sent.status == 0, "\(sent.stderr)")
            let id = sent.stdout.trimmingCharacters(in: .newlines)

            let listed = try await Self.mailtime(["list", "ready", "--json", "--port", "\(broker.port)"], in: workingDirectory)
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

            let badToken = try await Self.mailtime([
                "ping", "--port", "\(broker.port)", "--token", "wrong-token-0123456789", "--fingerprint", flags[5],
            ])
            #expect(badToken.status == 1)
            #expect(badToken.stderr.hasPrefix("error: AUTH_FAILED "))
        }
    }

    @Test func anUnreachableBrokerExitsWithTwo() async throws {
        let run = try await withClosedPort { port in
            try await Self.mailtime([
                "ping", "--port", "\(port)", "--token", "whatever-token-0123", "--fingerprint", String(repeating: "ab", count: 32),
            ])
        }
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("error: CONNECTION_FAILED "))
    }

    @Test(arguments: [false, true]) func printsEventsUntilInterrupted(json: Bool) async throws {
        try await TestBroker.run { broker in
            let process = Process()
            process.executableURL = try Self.mailtimeBinary()
            process.arguments = ["events"] + (try Self.connectionFlags(broker)) + (json ? ["--json"] : [])
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
            if json {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(event["event"] as? String == "cancelled")
            } else {
                // <time> <event> <id> <detail>
                let words = line.split(separator: " ").map(String.init)
                #expect(words.count >= 3)
                #expect(Self.isISO8601(words.first))
                #expect(words.dropFirst().first == "cancelled")
                #expect(UUID(uuidString: words.dropFirst(2).first ?? "") != nil)
            }
            try await client.close()

            process.interrupt()
            try await deadline(.seconds(10), "mailtime events to exit on SIGINT") {
                while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(process.terminationReason == .uncaughtSignal)
        }
    }
}
