import Foundation
import Logging
import MailTimeBroker
import MailTimeClient
import MailTimeConsole
import MailTimeDelivery
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

        /// The response to one API request, with `token` (the admin token by default) and a JSON `body`.
        func api(_ method: String, _ path: String, token: String? = nil, body: String = "") async throws -> String {
            let request =
                "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(consolePort)\r\nAuthorization: Bearer \(token ?? adminToken)\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            return try await ConsoleServerTests.request(request, port: consolePort, pair: certificate)
        }

        /// The response to one request of a browser: with a `cookie` and an `application/x-www-form-urlencoded` `form` to post.
        func page(_ method: String, _ path: String, cookie: String? = nil, form: String? = nil) async throws -> String {
            var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(consolePort)\r\nConnection: close\r\n"
            if let cookie { request += "Cookie: \(cookie)\r\n" }
            if form != nil { request += "Content-Type: application/x-www-form-urlencoded\r\n" }
            request += "Content-Length: \(form?.utf8.count ?? 0)\r\n\r\n" + (form ?? "")
            return try await ConsoleServerTests.request(request, port: consolePort, pair: certificate)
        }

        /// Logs in with `token` as a browser does; returns the session's cookie and CSRF token.
        func logIn(token: String) async throws -> (cookie: String, csrf: String) {
            let form = try await page("GET", "/login")
            let nonce = try #require(BrokerConsoleTests.cookie("mailtime_login", in: form))
            let csrf = try #require(ConsoleClient.hiddenCSRF(in: form))
            let reply = try await page("POST", "/login", cookie: "mailtime_login=\(nonce)", form: "csrf=\(csrf)&token=\(token)")
            let cookie = "mailtime_session=" + (try #require(BrokerConsoleTests.cookie("mailtime_session", in: reply)))
            let overview = try await page("GET", "/", cookie: cookie)
            return (cookie, try #require(ConsoleClient.hiddenCSRF(in: overview)))
        }
    }

    /// The value of the cookie `name` a response sets.
    static func cookie(_ name: String, in response: String) -> String? {
        let prefix = "set-cookie: \(name)="
        let line = response.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(prefix) }
        return line.map { String($0.dropFirst(prefix.count).prefix { $0 != ";" }) }
    }

    /// The `Location` a response redirects to.
    static func location(_ response: String) -> String? {
        let line = response.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("location: ") }
        return line.map { String($0.dropFirst("location: ".count)) }
    }

    /// Runs `body` against a broker with one embedded sender writing to the outbox and its console on a free port.
    static func withBroker<Result: Sendable>(
        providers: [ProviderConfiguration] = [],
        _ body: @escaping @Sendable (Running) async throws -> Result
    ) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mailtime-console-broker-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory
        configuration.port = 0
        configuration.senders = 1
        configuration.providers = providers
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

    @Test("the emails filtered by tag are cancelled, requeued and purged in bulk; each shows its attempt", .timeLimit(.minutes(2)))
    func bulkActionsAndHistory() async throws {
        try await Self.withBroker { broker in
            let client = try await broker.client()
            try await client.pause()
            var promo: [String] = []
            for index in 0..<3 {
                let email = #"{"from":"app@example.com","to":"ann\#(index)@example.com","subject":"s","text":"t","tags":["promo"]}"#
                promo.append(try await client.send(Array(email.utf8)).id)
            }
            let other = try await client.send(Array(#"{"from":"app@example.com","to":"bob@example.org","subject":"s","text":"t"}"#.utf8)).id
            let listed = Self.body(try await broker.api("GET", "/api/emails?tag=promo&state=ready"))
            #expect(promo.allSatisfy { listed.contains($0) } && !listed.contains(other), "\(listed)")

            // The page: filtered by tag, acting on the filter with the CSRF token only.
            let (cookie, csrf) = try await broker.logIn(token: broker.adminToken)
            let page = try await broker.page("GET", "/emails?tag=promo&state=", cookie: cookie)
            #expect(promo.allSatisfy { page.contains(#"<tr data-email-id="\#($0)">"#) } && !page.contains(other))
            #expect(page.contains(#"id="bulk-cancel""#) && page.contains(#"<input type="hidden" name="tag" value="promo">"#))
            let forged = try await broker.page("POST", "/emails/cancel", cookie: cookie, form: "tag=promo")
            #expect(forged.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            let cancel = try await broker.page("POST", "/emails/cancel", cookie: cookie, form: "csrf=\(csrf)&tag=promo&recipient=")
            let location = try #require(Self.location(cancel))
            #expect(location == "/emails?tag=promo&done=bulk-cancel&count=3")
            #expect(try await broker.page("GET", location, cookie: cookie).contains(#"id="notice">Cancelled 3 emails matching the filter."#))
            #expect(try await client.status(other).state == .ready)

            // The API: a viewer is refused; an admin requeues by query and purges by JSON body.
            let viewer = try await broker.api("POST", "/api/emails/requeue?tag=promo", token: Self.viewerToken)
            #expect(viewer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(Self.body(try await broker.api("POST", "/api/emails/requeue?tag=promo&state=cancelled")) == #"{"count":3}"# + "\n")
            try await client.resume()
            for id in promo + [other] {
                for _ in 0..<100 where try await client.status(id).state != .sent { try await Task.sleep(for: .milliseconds(100)) }
                #expect(try await client.status(id).state == .sent)
            }
            let email = Self.body(try await broker.api("GET", "/api/emails/\(promo[0])"))
            #expect(email.contains(#""history":[{"attempt":1,"outcome":"sent","#) && email.contains(#""history_dropped":0"#), "\(email)")
            let emailPage = try await broker.page("GET", "/emails/\(promo[0])", cookie: cookie)
            #expect(emailPage.components(separatedBy: #"<li class="attempt" data-outcome="sent""#).count == 2, "\(emailPage)")
            let purge = try await broker.page("POST", "/api/emails/purge?tag=promo", cookie: cookie)
            #expect(purge.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"), "the API takes no session")
            let purged = try await broker.api("POST", "/api/emails/purge", body: #"{"tag":"promo","state":"sent"}"#)
            #expect(Self.body(purged) == #"{"count":3}"# + "\n")
            #expect(Self.body(try await broker.api("GET", "/api/emails?tag=promo")) == #"{"emails":[],"next_after":null}"# + "\n")
            #expect(try await client.status(other).state == .sent)
            try await client.close()
        }
    }

    @Test("a provider is paused from its row and resumed through the API; STATS and the pages show it", .timeLimit(.minutes(2)))
    func providerPauseAndResume() async throws {
        let relay = try ProviderConfiguration(specification: "name=relay;host=127.0.0.1;port=9;tls=none", environment: [:])
        try await Self.withBroker(providers: [relay]) { broker in
            let client = try await broker.client()
            let (cookie, csrf) = try await broker.logIn(token: broker.adminToken)
            let page = try await broker.page("GET", "/providers", cookie: cookie)
            // Up or down by its circuit (nothing listens on its port), not paused.
            #expect(page.contains(#"<section class="provider" data-provider="relay">"#) && !page.contains(#"id="provider-state-0">paused<"#))
            #expect(page.contains(#"action="/providers/relay/pause""#) && page.contains("provider-pause"))
            #expect(try await broker.page("POST", "/providers/relay/pause", cookie: cookie, form: "").hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(try await client.stats().providers.map(\.isPaused) == [false])

            let pause = try await broker.page("POST", "/providers/relay/pause", cookie: cookie, form: "csrf=\(csrf)")
            #expect(Self.location(pause) == "/providers?done=provider-paused")
            #expect(try await client.stats().providers.map(\.isPaused) == [true])
            let paused = try await broker.page("GET", "/providers", cookie: cookie)
            #expect(paused.contains(#"id="provider-state-0">paused</span>"#) && paused.contains("provider-resume"))
            #expect(try await broker.page("GET", "/", cookie: cookie).contains(#"<td class="provider-state paused">paused</td>"#))
            #expect(try await client.stats().isPaused == false, "the senders as a whole keep running")

            // A viewer sees it paused but may not resume it.
            let viewer = try await broker.logIn(token: Self.viewerToken)
            let viewerPage = try await broker.page("GET", "/providers", cookie: viewer.cookie)
            #expect(viewerPage.contains(">paused</span>") && !viewerPage.contains("provider-resume"))
            let refused = try await broker.page("POST", "/providers/relay/resume", cookie: viewer.cookie, form: "csrf=\(viewer.csrf)")
            #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(try await broker.api("POST", "/api/providers/relay/resume", token: Self.viewerToken).hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(try await client.stats().providers.map(\.isPaused) == [true])

            let resumed = try await broker.api("POST", "/api/providers/relay/resume")
            #expect(Self.body(resumed) == #"{"provider":"relay","paused":false}"# + "\n")
            #expect(try await client.stats().providers.map(\.isPaused) == [false])
            #expect(try await broker.api("POST", "/api/providers/nobody/pause").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            try await client.close()
        }
    }
}
