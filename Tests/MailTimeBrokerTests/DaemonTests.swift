import Foundation
import Glibc
import MailTimeTestSupport
import Testing

/// The `mailtimed` binary: embedded defaults at first start, configuration from flags, environment
/// and file, a graceful stop on SIGTERM, and the metrics endpoint.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct DaemonTests {
    private var daemonPath: String {
        get throws { try BuiltProduct.path("mailtimed") }
    }

    /// A port that was free a moment ago: the kernel picks it for a socket bound to port 0.
    private func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length)
                return getsockname(socket, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func startsOnEmbeddedDefaultsAndStopsGracefullyOnSIGTERM() async throws {
        let directory = NSTemporaryDirectory() + "mailtimed-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        let config = directory + "/config.json"
        try Data(#"{"limits": {"inflight": 64}}"#.utf8).write(to: URL(fileURLWithPath: config))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try daemonPath)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = BrokerProcess.freeSubmissionPorts + ["--listen-port", "\(port)", "--config", config]
        process.environment = ProcessInfo.processInfo.environment.merging(["MAILTIME_LIMITS_LINE_LENGTH": "4096"]) { $1 }
        let log = Pipe()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        var client: OpenSSLClient?
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            if FileManager.default.fileExists(atPath: directory + "/var/admin.token") {
                let attempt = try OpenSSLClient(port: port)
                if let greeting = await attempt.line(timeout: .seconds(2)) {
                    // The flag, the environment variable and the file all took effect.
                    #expect(greeting == "OK mailtime 1 max_line=4096 max_payload=26214400 max_inflight=64")
                    client = attempt
                    break
                }
            }
        }
        let session = try #require(client, "mailtimed did not start")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/var/admin.token")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(FileManager.default.fileExists(atPath: directory + "/var/tls/certificate.pem"))

        let token = try String(contentsOfFile: directory + "/var/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        session.type("AUTH \(token)")
        #expect(await session.line() == "OK admin")
        session.sendEmail(#"{"from":"a@example.com","to":"b@example.com","subject":"Stop","text":"x"}"#)
        let id = String(try #require(await session.line()).split(separator: " ")[1])

        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("tls.sha256="), "the certificate's fingerprint is logged")
        #expect(output.contains("admin.token"), "the token's path is logged")
        #expect(output.contains("broker stopped"))

        // Whatever was acknowledged is there after the restart (delivered to the outbox, or queued).
        let restarted = Process()
        restarted.executableURL = URL(fileURLWithPath: try daemonPath)
        restarted.currentDirectoryURL = URL(fileURLWithPath: directory)
        restarted.arguments = BrokerProcess.freeSubmissionPorts + ["--listen-port", "\(port)", "--senders", "0"]
        restarted.standardError = FileHandle.nullDevice
        try restarted.run()
        defer { kill(restarted.processIdentifier, SIGTERM) }
        var status: String?
        for _ in 0..<50 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            let attempt = try OpenSSLClient(port: port)
            guard await attempt.line(timeout: .seconds(2)) != nil else { continue }
            attempt.type("AUTH \(token)")
            _ = await attempt.line()
            attempt.type("STATUS \(id)")
            status = await attempt.line()
        }
        let final = try #require(status)
        #expect(final.contains(#""state":"sent""#) || final.contains(#""state":"ready""#), "\(final)")
    }

    /// The TCP ports process `pid` listens on, from its sockets in `/proc`.
    /// Prometheus text as series → value, each series written `name{a="x",b="y"}` with its labels sorted.
    private func samples(_ exposition: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples[String(series)] = value
                continue
            }
            let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",").sorted()
            samples["\(series[..<brace]){\(labels.joined(separator: ","))}"] = value
        }
        return samples
    }

    /// Starts `mailtimed` in `directory` with `arguments` and waits for its greeting on `port`;
    /// returns the process and an authenticated session.
    private func startDaemon(in directory: String, port: Int, _ arguments: [String], log: Pipe) async throws -> (Process, OpenSSLClient) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try daemonPath)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = BrokerProcess.freeSubmissionPorts + ["--listen-port", "\(port)"] + arguments
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            guard process.isRunning else { break }
            guard FileManager.default.fileExists(atPath: directory + "/var/admin.token") else { continue }
            let session = try OpenSSLClient(port: port)
            guard await session.line(timeout: .seconds(2)) != nil else { continue }
            let token = try String(contentsOfFile: directory + "/var/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            session.type("AUTH \(token)")
            #expect(await session.line() == "OK admin")
            return (process, session)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        throw TestFailure("mailtimed did not start: \(String(decoding: log.fileHandleForReading.availableData, as: UTF8.self))")
    }

    /// Sends SIGTERM and waits for a clean exit; returns what the daemon logged.
    private func stop(_ process: Process, log: Pipe) async throws -> String {
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<150 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await process.exited()
        #expect(process.terminationStatus == 0)
        return String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test func servesPrometheusMetricsWithTheFlagAndListensForNothingElseWithout() async throws {
        let directory = NSTemporaryDirectory() + "mailtimed-metrics-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        var candidate = freePort()
        while candidate == port { candidate = freePort() }
        let metricsPort = candidate

        let log = Pipe()
        let (process, session) = try await startDaemon(in: directory, port: port, ["--metrics-port", "\(metricsPort)"], log: log)
        for number in 1...3 {
            session.sendEmail(#"{"from":"a@example.com","to":"b\#(number)@example.com","subject":"Metrics","text":"x"}"#)
            #expect(await session.line()?.hasPrefix("OK ") == true)
        }
        // The queue's gauges are refreshed every 5 s; the three emails go to the outbox at once.
        var scrape: HTTPTestConnection.Response?
        var values: [String: Double] = [:]
        for _ in 0..<40 {
            scrape = try await onOwnThread { try HTTPTestConnection(port: metricsPort).get("/metrics") }
            values = samples(scrape?.body ?? "")
            if values[#"mailtime_queue_jobs{state="sent"}"#] == 3 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let metrics = try #require(scrape)
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(values[#"mailtime_queue_jobs{state="sent"}"#] == 3, "\(metrics.body)")
        #expect(values[#"mailtime_queue_jobs{state="ready"}"#] == 0)
        #expect(values[#"mailtime_queue_jobs{state="failed"}"#] == 0)
        #expect(values[#"mailtime_sends_total{outcome="sent",provider="outbox"}"#] == 3, "\(metrics.body)")
        #expect(values[#"mailtime_sends_total{outcome="deferred",provider="outbox"}"#] == 0)
        #expect(values[#"mailtime_sends_total{outcome="failed",provider="outbox"}"#] == 0)
        #expect(values[#"mailtime_send_duration_seconds_count{provider="outbox"}"#] == 3)
        #expect((values[#"mailtime_send_duration_seconds_sum{provider="outbox"}"#] ?? -1) > 0)
        #expect(values[#"mailtime_provider_up{provider="outbox"}"#] == 1)
        #expect(values["mailtime_queue_oldest_ready_seconds"] == 0)
        #expect(metrics.body.contains("# TYPE mailtime_sends_total counter"))
        let missing = try await onOwnThread { try HTTPTestConnection(port: metricsPort).get("/") }
        #expect(missing.status == 404)
        session.type("QUIT")
        let output = try await stop(process, log: log)
        #expect(output.contains("metrics listening"))
        #expect(output.contains("metrics stopped"))

        let plainLog = Pipe()
        let (plain, plainSession) = try await startDaemon(in: directory, port: port, [], log: plainLog)
        let refused = try await onOwnThread { () -> Bool in
            do {
                _ = try HTTPTestConnection(port: metricsPort)
                return false
            } catch let failure as HTTPTestConnection.Failure {
                return failure.code == ECONNREFUSED
            }
        }
        #expect(refused)
        plainSession.type("QUIT")
        let plainOutput = try await stop(plain, log: plainLog)
        #expect(!plainOutput.contains("metrics listening"))
    }

    @Test func metricsCountProviderErrorsAndShowAProviderDown() async throws {
        let directory = NSTemporaryDirectory() + "mailtimed-metrics-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        var candidates = (freePort(), freePort())
        while Set([port, candidates.0, candidates.1]).count < 3 { candidates = (freePort(), freePort()) }
        let (metricsPort, deadPort) = candidates

        // Nothing listens at the provider's port; with a 1 ms cool-down every attempt probes it.
        let log = Pipe()
        let (process, session) = try await startDaemon(
            in: directory, port: port,
            ["--metrics-port", "\(metricsPort)", "--providers", "name=dead;host=127.0.0.1;port=\(deadPort);tls=none", "--circuit-cool-down-ms", "1"],
            log: log
        )
        session.sendEmail(#"{"from":"a@example.com","to":"b@example.com","subject":"Metrics","text":"x"}"#)
        #expect(await session.line()?.hasPrefix("OK ") == true)
        var values: [String: Double] = [:]
        for _ in 0..<40 {
            values = samples(try await onOwnThread { try HTTPTestConnection(port: metricsPort).get("/metrics") }.body)
            if (values[#"mailtime_sends_total{outcome="provider_error",provider="dead"}"#] ?? 0) >= 1 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect((values[#"mailtime_sends_total{outcome="provider_error",provider="dead"}"#] ?? 0) >= 1, "\(values)")
        #expect(values[#"mailtime_sends_total{outcome="sent",provider="dead"}"#] == 0)
        #expect((values[#"mailtime_send_duration_seconds_count{provider="dead"}"#] ?? 0) >= 1)
        #expect(values[#"mailtime_provider_up{provider="dead"}"#] == 0)
        #expect(values[#"mailtime_sends_total{outcome="sent",provider="outbox"}"#] == nil, "no outbox with a provider")
        session.type("STATS")
        let stats = try #require(await session.line())
        #expect(stats.contains(#""providers":[{"name":"dead","up":false"#), "\(stats)")
        session.type("QUIT")
        _ = try await stop(process, log: log)
    }
}
