import Foundation
import Logging
import MailTimeBroker
import MailTimeClient
import MailTimeConsole
import MailTimeTLS
import MailTimeTestSupport
import ServiceLifecycle
import Testing

/// The console of a real broker, in process: its JSON API over HTTPS reads and steers the broker's queue.
@Suite("Broker console")
struct BrokerConsoleTests {
    static let viewerToken = "viewer-token-0123456789abcdef"

    struct Running: Sendable {
        var brokerPort: Int
        var consolePort: Int
        var adminToken: String
        var certificate: TLSKeyPair

        func client() async throws -> MailTimeClient {
            try await MailTimeClient.connect(port: brokerPort, tls: .pinned([try certificate.fingerprint()]), token: adminToken, logger: .quiet)
        }

        /// The response to one API request, with `token` (the admin token by default).
        func api(_ method: String, _ path: String, token: String? = nil) async throws -> String {
            let request =
                "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(consolePort)\r\nAuthorization: Bearer \(token ?? adminToken)\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n"
            return try await ConsoleServerTests.request(request, port: consolePort, pair: certificate)
        }
    }

    /// Runs `body` against a broker with one embedded sender writing to the outbox and its console on a free port.
    static func withBroker<Result: Sendable>(_ body: @escaping @Sendable (Running) async throws -> Result) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mailtime-console-broker-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory
        configuration.port = 0
        configuration.senders = 1
        configuration.submission = SubmissionConfiguration()
        configuration.tokens = [.admin: ["admin-token-0123456789abcdef"], .viewer: [viewerToken]]
        var console = ConsoleConfiguration()
        console.port = 0
        configuration.console = console
        let (ports, sink) = AsyncStream.makeStream(of: (String, Int).self)
        let broker = try Broker(
            configuration: configuration, logger: .quiet, onListening: { sink.yield(("broker", $0)) },
            onConsoleListening: { sink.yield(("console", $0)) })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: broker.services, logger: .quiet))
        let running = Task {
            defer { sink.finish() }
            try await group.run()
        }
        var found: [String: Int] = [:]
        for await (name, port) in ports {
            found[name] = port
            if found.count == 2 { break }
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            let pem = try String(contentsOfFile: directory + "/tls/certificate.pem", encoding: .utf8)
            let ports = try #require(found["broker"].flatMap { broker in found["console"].map { (broker, $0) } })
            outcome = .success(
                try await deadline(.seconds(60), "the test") {
                    try await body(
                        Running(
                            brokerPort: ports.0, consolePort: ports.1, adminToken: "admin-token-0123456789abcdef",
                            certificate: TLSKeyPair(certificatePEM: pem, privateKeyPEM: "")))
                })
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        return try outcome.get()
    }

    /// The body of an HTTP response.
    static func body(_ response: String) -> String {
        response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }

    @Test("the API shows the queue, its emails and the chart, and acts on them", .timeLimit(.minutes(2)))
    func apiOverTheBroker() async throws {
        try await Self.withBroker { broker in
            let client = try await broker.client()
            let paused = try await broker.api("POST", "/api/pause")
            #expect(Self.body(paused) == #"{"paused":true}"# + "\n")
            let sent = try await client.send(
                Array(#"{"from":"app@example.com","to":"ann@example.com","subject":"<script>alert(1)</script>","html":"<b>hi</b>"}"#.utf8))
            let stats = Self.body(try await broker.api("GET", "/api/stats"))
            #expect(stats.contains(#""ready":1,"#) && stats.contains(#""paused":true"#), "\(stats)")
            let list = Self.body(try await broker.api("GET", "/api/emails?state=ready"))
            #expect(list.hasPrefix(#"{"emails":[{"id":"\#(sent.id)","state":"ready""#), "\(list)")
            let email = Self.body(try await broker.api("GET", "/api/emails/\(sent.id)"))
            #expect(email.contains(#""subject":"<script>alert(1)</script>""#) && email.contains(#""html":"<b>hi</b>""#), "\(email)")

            let viewer = try await broker.api("POST", "/api/resume", token: Self.viewerToken)
            #expect(viewer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(Self.body(try await broker.api("GET", "/api/stats", token: Self.viewerToken)).contains(#""paused":true"#))

            let cancelled = try await broker.api("POST", "/api/emails/\(sent.id)/cancel")
            #expect(Self.body(cancelled) == #"{"outcome":"CANCELLED"}"# + "\n")
            let again = try await broker.api("POST", "/api/emails/\(sent.id)/cancel")
            #expect(again.hasPrefix("HTTP/1.1 409 Conflict\r\n") && again.contains(#""code":"INVALID_STATE""#), "\(again)")
            #expect(Self.body(try await broker.api("POST", "/api/emails/\(sent.id)/requeue")) == #"{"requeued":1}"# + "\n")
            #expect(Self.body(try await broker.api("POST", "/api/resume")) == #"{"paused":false}"# + "\n")

            // The sender delivers it to the outbox; the sent event reaches the chart.
            var minutes = ""
            for _ in 0..<100 {
                minutes = Self.body(try await broker.api("GET", "/api/throughput"))
                if minutes.contains(#""sent":1,"#) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(minutes.contains(#""sent":1,"#), "\(minutes)")
            #expect(try await client.status(sent.id).state == .sent)
            #expect(Self.body(try await broker.api("GET", "/api/providers")) == #"{"providers":[]}"# + "\n")
            let missing = try await broker.api("GET", "/api/emails/0193a3c4-2f1e-7cc0-8a9e-000000000000")
            #expect(missing.hasPrefix("HTTP/1.1 404 Not Found\r\n") && missing.contains(#""code":"NOT_FOUND""#))
            try await client.close()
        }
    }
}
