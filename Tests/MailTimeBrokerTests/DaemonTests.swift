import Foundation
import Glibc
import Testing

/// The `mailtimed` binary: embedded defaults at first start, configuration from flags, environment
/// and file, and a graceful stop on SIGTERM.
@Suite(.timeLimit(.minutes(2)))
struct DaemonTests {
    private var daemonPath: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("mailtimed").path
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
        process.executableURL = URL(fileURLWithPath: daemonPath)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = ["--listen-port", "\(port)", "--config", config]
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
        restarted.executableURL = URL(fileURLWithPath: daemonPath)
        restarted.currentDirectoryURL = URL(fileURLWithPath: directory)
        restarted.arguments = ["--listen-port", "\(port)", "--senders", "0"]
        restarted.standardError = FileHandle.nullDevice
        try restarted.run()
        defer { kill(restarted.processIdentifier, SIGTERM); restarted.waitUntilExit() }
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
}
