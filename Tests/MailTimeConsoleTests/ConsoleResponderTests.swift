import HTTPTypes
import Logging
import MailTimeConsole
import MailTimeModel
import MailTimeProtocol
import Testing

@Suite("Console responder")
struct ConsoleResponderTests {
    static let failedID = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59"
    static let readyID = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a60"

    /// An email whose every field tries to run a script.
    static let hostilePayload = Array(
        #"""
        {"from":"\"<script>alert('from')</script>\" <evil@example.com>","to":["<img src=x onerror=alert('to')>@example.com"],\#
        "subject":"<script>alert('subject')</script>","text":"<script>alert('text')</script>",\#
        "html":"<p onmouseover=\"alert('p')\">hi</p><script>alert('html')</script><img src=x onerror=alert('img')>",\#
        "headers":{"X-Evil":"<script>alert('header')</script>"},\#
        "attachments":[{"filename":"<script>alert('file')</script>.txt","content":"aGk=","content_type":"text/plain"}]}
        """#.utf8
    )

    /// The failed email's last two attempts, two older ones dropped.
    static let history = AttemptHistory(
        attempts: [
            DeliveryAttempt(
                number: 3, outcome: .deferred, endedAt: 1_765_000_030_000, durationMilliseconds: 412, provider: "backup",
                error: DeliveryFailure(code: .smtpTemporary, text: "451 greylisted"),
                recipients: [RecipientResult(address: "<b>x</b>@example.com", accepted: false, code: 451, reply: "451 4.7.1 try later")]
            ),
            DeliveryAttempt(
                number: 4, outcome: .failed, endedAt: 1_765_000_060_000, durationMilliseconds: 97, provider: "relay",
                error: DeliveryFailure(code: .smtpPermanent, text: "550 <script>alert('error')</script>"),
                recipients: [RecipientResult(address: "<b>x</b>@example.com", accepted: false, code: 550, reply: "<i>no</i>")]
            ),
        ],
        dropped: 2
    )

    static func makeBackend() -> FakeConsoleBackend {
        FakeConsoleBackend(emails: [
            ConsoleEmail(
                status: JobStatus(
                    id: failedID, state: .failed, attempts: 3, createdAt: 1_765_000_000_000, updatedAt: 1_765_000_060_000,
                    lastError: DeliveryFailure(code: .smtpPermanent, text: "550 <script>alert('error')</script>", provider: "relay"),
                    recipients: [RecipientResult(address: "<b>x</b>@example.com", accepted: false, code: 550, reply: "<i>no</i>")],
                    history: history
                ),
                payload: hostilePayload
            ),
            ConsoleEmail(status: JobStatus(id: readyID, state: .ready, createdAt: 1_765_000_000_000, updatedAt: 1_765_000_000_000), payload: nil),
        ])
    }

    static func makeResponder(_ backend: FakeConsoleBackend, configuration: ConsoleConfiguration = ConsoleConfiguration()) throws
        -> ConsoleResponder
    {
        try ConsoleResponder(
            configuration: configuration, backend: backend, logger: Logger(label: "console-test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Every page and endpoint, with a method it answers.
    static let pages: [(HTTPRequest.Method, String)] = [
        (.get, "/"), (.get, "/emails"), (.get, "/emails?state=failed"), (.get, "/emails/\(failedID)"), (.get, "/emails/\(failedID)/preview"),
        (.get, "/providers"), (.post, "/emails/\(failedID)/requeue"), (.post, "/emails/\(failedID)/cancel"), (.post, "/emails/requeue-failed"),
        (.post, "/pause"), (.post, "/resume"), (.post, "/logout"), (.get, "/emails?state=failed&error-code=SMTP_PERMANENT&recipient="),
        (.post, "/emails/requeue"), (.post, "/emails/cancel"), (.post, "/emails/purge"), (.post, "/providers/relay%3Cb%3E/pause"),
        (.post, "/providers/relay%3Cb%3E/resume"),
    ]
    static let api: [(HTTPRequest.Method, String)] = [
        (.get, "/api/stats"), (.get, "/api/emails?state=failed"), (.get, "/api/emails/\(failedID)"), (.get, "/api/providers"),
        (.get, "/api/throughput"),
        (.post, "/api/emails/\(failedID)/requeue"), (.post, "/api/emails/\(failedID)/cancel"), (.post, "/api/requeue-failed"),
        (.post, "/api/pause"), (.post, "/api/resume"), (.post, "/api/emails/requeue?state=failed"), (.post, "/api/emails/cancel?state=ready"),
        (.post, "/api/emails/purge?state=failed"), (.post, "/api/providers/relay%3Cb%3E/pause"), (.post, "/api/providers/relay%3Cb%3E/resume"),
    ]

    @Test("without a session every page redirects to the login page, and the live updates refuse")
    func pagesNeedASession() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        for (method, path) in Self.pages {
            let reply = try await client.send(method, path, headers: [:], body: "csrf=x")
            #expect(reply.status == .seeOther, "\(method) \(path)")
            #expect(reply.headers[.location] == "/login", "\(method) \(path)")
            #expect(!reply.body.contains("relay"), "\(method) \(path)")
        }
        #expect(try await client.get("/events").status == .unauthorized)
        // A made-up session cookie is no session.
        client.cookies["mailtime_session"] = String(repeating: "a", count: 64)
        #expect(try await client.get("/").status == .seeOther)
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions())
    }

    @Test("without a valid bearer token the API answers 401 with the protocol's codes")
    func apiNeedsAToken() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        for (method, path) in Self.api {
            let missing = try await client.send(method, path, headers: [:], body: "")
            #expect(missing.status == .unauthorized, "\(method) \(path)")
            #expect(missing.body.contains(#""code":"AUTH_REQUIRED""#), "\(method) \(path)")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.send(method, path, headers: [.authorization: "Bearer not-a-token-at-all"], body: "")
            #expect(wrong.status == .unauthorized, "\(method) \(path)")
            #expect(wrong.body.contains(#""code":"AUTH_FAILED""#), "\(method) \(path)")
            let producer = try await client.send(method, path, headers: [.authorization: "Bearer \(FakeConsoleBackend.producerToken)"], body: "")
            #expect(producer.status == .forbidden, "\(method) \(path)")
        }
        // A browser session does not open the API.
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        #expect(try await client.get("/api/stats").status == .unauthorized)
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions())
    }

    @Test("login sets a Secure, HttpOnly, SameSite=Strict session cookie; a wrong token or role is refused")
    func login() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        let wrong = try await client.logIn(token: "wrong-token-0123456789")
        #expect(wrong.status == .unauthorized)
        #expect(wrong.body.contains("The token is not valid."))
        let producer = try await client.logIn(token: FakeConsoleBackend.producerToken)
        #expect(producer.status == .forbidden)
        #expect(client.cookies["mailtime_session"] == nil)

        let reply = try await client.logIn(token: FakeConsoleBackend.adminToken)
        #expect(reply.status == .seeOther)
        #expect(reply.headers[.location] == "/")
        let cookie = try #require(reply.setCookies.first { $0.hasPrefix("mailtime_session=") })
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            #expect(cookie.split(separator: ";").map { $0.trimmingPrefix(" ") }.contains { $0 == attribute }, "\(attribute) in \(cookie)")
        }
        let id = try #require(client.cookies["mailtime_session"])
        #expect(id.count == 64)
        let overview = try await client.get("/")
        #expect(overview.status == .ok)
        #expect(overview.body.contains(#"id="count-failed">1<"#))
        #expect(overview.body.contains(#"id="session-role">admin<"#))

        let logout = try await client.post("/logout", form: "csrf=\(try #require(ConsoleClient.hiddenCSRF(in: overview.body)))")
        #expect(logout.status == .seeOther)
        #expect(client.cookies["mailtime_session"] == nil)
        client.cookies["mailtime_session"] = id
        #expect(try await client.get("/").status == .seeOther, "the session ended with the logout")
    }

    @Test("a login post without the login form's token is refused")
    func loginNeedsTheFormToken() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        let reply = try await client.post("/login", form: "token=\(FakeConsoleBackend.adminToken)")
        #expect(reply.status == .forbidden)
        #expect(client.cookies["mailtime_session"] == nil)
        _ = try await client.get("/login")
        let forged = try await client.post("/login", form: "csrf=\(String(repeating: "0", count: 64))&token=\(FakeConsoleBackend.adminToken)")
        #expect(forged.status == .forbidden)
        #expect(client.cookies["mailtime_session"] == nil)
    }

    @Test("a state-changing post without the session's CSRF token, or from another origin, is refused")
    func csrf() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/emails/\(Self.failedID)")
        let csrf = try #require(ConsoleClient.hiddenCSRF(in: page.body))
        for (method, path) in Self.pages where method == .post && path != "/logout" {
            #expect(try await client.post(path, form: "").status == .forbidden, "\(path)")
            #expect(try await client.post(path, form: "csrf=\(String(repeating: "0", count: 64))").status == .forbidden, "\(path)")
            #expect(try await client.post(path, form: "csrf=\(csrf)", headers: [.origin: "https://evil.example"]).status == .forbidden, "\(path)")
        }
        #expect(try await client.post("/logout", form: "").status == .forbidden)
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions())

        let cancel = try await client.post("/emails/\(Self.failedID)/cancel", form: "csrf=\(csrf)", headers: [.origin: "https://console.test"])
        #expect(cancel.status == .seeOther)
        #expect(cancel.headers[.location] == "/emails/\(Self.failedID)?done=cancelled")
        let pause = try await client.post("/pause", form: "csrf=\(csrf)")
        #expect(pause.headers[.location] == "/providers?done=paused")
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions(cancelled: [Self.failedID], paused: [true]))
    }

    @Test("a viewer reads every page but cannot act, in the pages or the API")
    func viewerCannotAct() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        _ = try await client.logIn(token: FakeConsoleBackend.viewerToken)
        for (method, path) in Self.pages where method == .get {
            let reply = try await client.get(path)
            #expect(reply.status == .ok, "\(path)")
        }
        let page = try await client.get("/emails/\(Self.failedID)")
        #expect(!page.body.contains("action-requeue"))
        #expect(!page.body.contains("action-cancel"))
        let csrf = try #require(ConsoleClient.hiddenCSRF(in: page.body))
        for (method, path) in Self.pages where method == .post && path != "/logout" {
            #expect(try await client.post(path, form: "csrf=\(csrf)").status == .forbidden, "\(path)")
        }
        let bearer: HTTPFields = [.authorization: "Bearer \(FakeConsoleBackend.viewerToken)"]
        for (method, path) in Self.api {
            let reply = try await client.send(method, path, headers: bearer, body: "")
            #expect(reply.status == (method == .post ? .forbidden : .ok), "\(method) \(path)")
            if method == .post { #expect(reply.body.contains(#""code":"FORBIDDEN""#)) }
        }
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions())
    }

    @Test("every response carries the Content-Security-Policy and nosniff, errors and assets included")
    func securityHeaders() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        var replies: [(String, ConsoleClient.Reply)] = []
        for path in ["/login", "/nowhere", "/api/nowhere", "/assets/console.css", "/assets/console.js", "/"] {
            replies.append((path, try await client.get(path)))
        }
        replies.append(("/api/stats", try await client.get("/api/stats")))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        for (method, path) in Self.pages + Self.api where method == .get {
            replies.append((path, try await client.get(path, headers: [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"])))
        }
        replies.append(("/emails/unknown", try await client.get("/emails/0193a3c4-2f1e-7cc0-8a9e-000000000000")))
        replies.append(("forbidden post", try await client.post("/pause", form: "")))
        let csp = HTTPField.Name("Content-Security-Policy")!
        for (path, reply) in replies {
            let policy = try #require(reply.headers[csp], "\(path)")
            #expect(reply.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
            // `no-referrer` would make browsers send `Origin: null` with the console's own forms.
            #expect(reply.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(path)")
            if path.hasSuffix("/preview") {
                #expect(policy.contains("default-src 'none'") && policy.contains("sandbox") && !policy.contains("script-src"), "\(policy)")
            } else {
                #expect(
                    policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), "\(path)"
                )
            }
        }
    }

    @Test("an email's scripts and event handlers are shown as text, and its HTML only in a script-less sandbox")
    func escaping() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/emails/\(Self.failedID)")
        #expect(page.status == .ok)
        let body = page.body
        // The console's own script is the only script element.
        #expect(body.components(separatedBy: "<script").count == 2)
        #expect(body.contains(#"<script src="/assets/console.js" defer></script>"#))
        for raw in ["<img src=x onerror", "<p onmouseover", "<script>alert", "<b>x</b>", "<i>no</i>"] {
            #expect(!body.contains(raw), "\(raw)")
        }
        for shown in [
            "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;", "&lt;img src=x onerror=alert(&#39;to&#39;)&gt;@example.com",
            "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;", "&lt;script&gt;alert(&#39;header&#39;)&lt;/script&gt;",
            "&lt;script&gt;alert(&#39;file&#39;)&lt;/script&gt;.txt", "&lt;p onmouseover=&quot;alert(&#39;p&#39;)&quot;&gt;",
            "550 &lt;script&gt;alert(&#39;error&#39;)&lt;/script&gt;", "&lt;b&gt;x&lt;/b&gt;@example.com",
        ] {
            #expect(body.contains(shown), "\(shown)")
        }
        #expect(body.contains(#"<iframe class="preview" id="email-preview" sandbox src="/emails/\#(Self.failedID)/preview""#))
        #expect(!body.contains("allow-scripts"))

        let preview = try await client.get("/emails/\(Self.failedID)/preview")
        #expect(preview.status == .ok)
        #expect(
            preview.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
                == true)
        #expect(preview.headers[HTTPField.Name("X-Frame-Options")!] == "SAMEORIGIN")

        let providers = try await client.get("/providers")
        #expect(providers.body.contains("relay&lt;b&gt;"))
        #expect(!providers.body.contains("<script>x"))
        #expect(providers.body.contains("(set; not shown)"))
        let overview = try await client.get("/")
        #expect(!overview.body.contains("<script>x"))
        #expect(overview.body.contains("&lt;script&gt;x&lt;/script&gt;"))
    }

    @Test("the API reads and acts with an admin token and answers errors with the protocol's codes")
    func api() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        let bearer: HTTPFields = [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"]
        let stats = try await client.get("/api/stats", headers: bearer)
        #expect(stats.headers[.contentType] == "application/json")
        #expect(stats.body.contains(#""failed":1"#) && stats.body.contains(#""ready":1"#))
        let list = try await client.get("/api/emails?state=failed&limit=1", headers: bearer)
        let failed = try await backend.list(EmailQuery(filter: EmailFilter(state: .failed))).map(\.json).joined()
        #expect(list.body == #"{"emails":[\#(failed)],"next_after":"\#(Self.failedID)"}"# + "\n")
        let email = try await client.get("/api/emails/\(Self.failedID)", headers: bearer)
        #expect(email.body.contains(#""subject":"<script>alert('subject')</script>""#))
        #expect(
            email.body.contains(
                #""attachments":[{"filename":"<script>alert('file')</script>.txt","content_type":"text/plain","size":2,"inline":false}]"#))
        let purged = try await client.get("/api/emails/\(Self.readyID)", headers: bearer)
        #expect(purged.body.hasSuffix(#","email":null}"# + "\n"))

        let missing = try await client.get("/api/emails/0193a3c4-2f1e-7cc0-8a9e-000000000000", headers: bearer)
        #expect(missing.status == .notFound)
        #expect(missing.body.hasPrefix(#"{"error":{"code":"NOT_FOUND","message":"#))
        let all = try await client.get("/api/emails", headers: bearer)
        #expect(all.body.hasPrefix(#"{"emails":[{"id":"\#(Self.failedID)""#) && all.body.contains(Self.readyID), "every email without a filter")
        #expect(try await client.get("/api/emails?state=stuck", headers: bearer).body.contains("BAD_ARGUMENTS"))
        #expect(try await client.get("/api/emails?state=ready&limit=0", headers: bearer).body.contains("INVALID_ARGUMENT"))

        let requeue = try await client.send(.post, "/api/emails/\(Self.readyID)/requeue", headers: bearer, body: "")
        #expect(requeue.status == .conflict)
        #expect(requeue.body.contains(#""code":"INVALID_STATE""#))
        #expect(try await client.send(.post, "/api/emails/\(Self.failedID)/requeue", headers: bearer, body: "").body == #"{"requeued":1}"# + "\n")
        #expect(
            try await client.send(.post, "/api/emails/\(Self.failedID)/cancel", headers: bearer, body: "").body == #"{"outcome":"CANCELLED"}"# + "\n")
        #expect(try await client.send(.post, "/api/requeue-failed", headers: bearer, body: "").body == #"{"requeued":1}"# + "\n")
        #expect(try await client.send(.post, "/api/pause", headers: bearer, body: "").body == #"{"paused":true}"# + "\n")
        #expect(try await client.send(.post, "/api/resume", headers: bearer, body: "").body == #"{"paused":false}"# + "\n")
        let providers = try await client.get("/api/providers", headers: bearer)
        #expect(providers.body.contains(#""settings":{"host":"smtp.example.com","password":"(set; not shown)"}"#))
        #expect(
            backend.actions.withLock { $0 }
                == FakeConsoleBackend.Actions(
                    requeued: [.ids([Self.readyID]), .ids([Self.failedID]), .allFailed], cancelled: [Self.failedID], paused: [true, false]))
    }

    @Test("a message submitted over SMTP shows its envelope, unfolded header fields and raw body, escaped")
    func submittedMessage() async throws {
        let id = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a61"
        let stored =
            "MailTime-Submitted/1\r\nmail-from <app@example.com>\r\nrcpt-to <ann@example.org>\r\ntag <b>\r\n\r\n"
            + "Subject: <script>alert('s')</script>\r\n folded\r\nFrom: app@example.com\r\n\r\nBody <img src=x onerror=alert(1)>\r\n"
        let backend = FakeConsoleBackend(emails: [
            ConsoleEmail(status: JobStatus(id: id, state: .ready, createdAt: 0, updatedAt: 0), payload: Array(stored.utf8))
        ])
        var client = ConsoleClient(try Self.makeResponder(backend))
        let api = try await client.get("/api/emails/\(id)", headers: [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"])
        #expect(
            api.body.contains(
                #""email":{"submitted":true,"from":"app@example.com","to":["ann@example.org"],"cc":[],"bcc":[],"reply_to":[],"#
                    + #""subject":"<script>alert('s')</script> folded","message_id":null,"tags":["<b>"],"headers":[{"name":"Subject","#
                    + #""value":"<script>alert('s')</script> folded"},{"name":"From","value":"app@example.com"}],"#
                    + #""text":"Body <img src=x onerror=alert(1)>\r\n","html":null,"attachments":[]}"#), "\(api.body)")
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/emails/\(id)")
        #expect(page.body.contains(#"<dd id="email-subject">&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; folded</dd>"#))
        #expect(page.body.contains("Body &lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.body.contains(#"<dd class="email-tag">&lt;b&gt;</dd>"#))
        #expect(!page.body.contains("email-preview"), "no HTML preview of a raw message")
    }

    @Test("the emails page pages through a state and links each email")
    func emailsPage() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let failed = try await client.get("/emails?state=failed")
        #expect(failed.body.contains(#"<tr data-email-id="\#(Self.failedID)"><td><a href="/emails/\#(Self.failedID)">"#))
        #expect(!failed.body.contains(Self.readyID))
        #expect(failed.body.contains(#"id="requeue-failed""#))
        let after = try await client.get("/emails?state=failed&after=\(Self.failedID)")
        #expect(after.body.contains(#"id="no-emails""#))
        #expect(try await client.get("/emails?state=stuck").status == .badRequest)
        #expect(try await client.get("/emails/not-an-id").status == .notFound)
    }

    @Test("the live updates stream the counts and each queue event")
    func events() async throws {
        let backend = Self.makeBackend()
        var configuration = ConsoleConfiguration()
        configuration.statsInterval = .milliseconds(50)
        configuration.eventStreamDuration = .seconds(2)
        var client = ConsoleClient(try Self.makeResponder(backend, configuration: configuration))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let publisher = Task {
            // Until the stream has subscribed.
            while backend.subscribers.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
            backend.publish(MailTimeEvent(kind: .sent, id: Self.readyID, at: 1_765_000_000_000))
        }
        let reply = try await client.get("/events")
        try await publisher.value
        #expect(reply.headers[.contentType] == "text/event-stream")
        #expect(reply.body.hasPrefix("retry: 3000\n\n"))
        #expect(reply.body.contains(#"event: email"# + "\n" + #"data: {"event":"sent","id":"\#(Self.readyID)","at":1765000000000}"#))
        #expect(
            reply.body.contains(#"event: stats"# + "\n" + #"data: {"counts":{"scheduled":0,"ready":1,"leased":0,"sent":0,"failed":1,"cancelled":0}"#))
        #expect(backend.subscribers.withLock { $0.isEmpty }, "the stream unsubscribed when it ended")
    }

    @Test("the emails page filters, shows the filter in its form and keeps it in the next page's link")
    func filteredEmailsPage() async throws {
        // 51 failed emails: a full page and one more.
        let ids = (0..<51).map { "0193a3c4-2f1e-7cc0-8a9e-" + String(String(100_000_000_000 + $0).suffix(12)) }
        let backend = FakeConsoleBackend(
            emails: ids.map { id in
                ConsoleEmail(
                    status: JobStatus(
                        id: id, state: .failed, createdAt: 0, updatedAt: 0, lastError: DeliveryFailure(code: .smtpPermanent, text: "550 no")),
                    payload: nil)
            } + [ConsoleEmail(status: JobStatus(id: Self.readyID, state: .ready, createdAt: 0, updatedAt: 0), payload: nil)])
        var client = ConsoleClient(try Self.makeResponder(backend))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/emails?state=failed&error-code=SMTP_PERMANENT&recipient=&tag=")
        #expect(page.status == .ok)
        #expect(page.body.components(separatedBy: "<tr data-email-id=").count == 51, "a page of 50")
        #expect(page.body.contains(#"<tr data-email-id="\#(ids[0])">"#) && !page.body.contains(ids[50]) && !page.body.contains(Self.readyID))
        #expect(page.body.contains(#"<form method="get" action="/emails" id="filter-form""#))
        #expect(page.body.contains(#"<option value="">any</option>"#) && page.body.contains(#"<option value="failed" selected>failed</option>"#))
        #expect(page.body.contains(#"<input name="error-code" id="filter-error-code" value="SMTP_PERMANENT""#))
        #expect(page.body.contains(#"<input name="recipient" id="filter-recipient" value="""#))
        #expect(page.body.contains(#"id="filter-submit""#))
        let next = #"href="/emails?state=failed&amp;error-code=SMTP_PERMANENT&amp;after=\#(ids[49])" id="next-page""#
        #expect(page.body.contains(next), "\(page.body)")
        let second = try await client.get("/emails?state=failed&error-code=SMTP_PERMANENT&after=\(ids[49])")
        #expect(second.body.contains(#"<tr data-email-id="\#(ids[50])">"#) && !second.body.contains("next-page"))

        // Any state, by error code: the ready email has none.
        let byCode = try await client.get("/emails?state=&error-code=SMTP_PERMANENT")
        #expect(byCode.body.contains(ids[0]) && !byCode.body.contains(Self.readyID))
        #expect(try await client.get("/emails?after=\(ids[50])").body.contains(Self.readyID), "no filter lists every email")
        #expect(try await client.get("/emails?created-from=yesterday").status == .badRequest)
        #expect(try await client.get("/emails?state=stuck").status == .badRequest)
    }

    @Test("bulk actions act on the page's filter, with the CSRF token, and report the count")
    func bulkActions() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let unfiltered = try await client.get("/emails")
        #expect(!unfiltered.body.contains("bulk-requeue"), "no bulk action without a filter")
        let page = try await client.get("/emails?state=failed&error-code=SMTP_PERMANENT")
        #expect(page.body.contains(#"id="bulk-requeue""#) && page.body.contains(#"id="bulk-purge""#))
        #expect(!page.body.contains(#"id="bulk-cancel""#), "failed emails cannot be cancelled")
        let hidden = #"<input type="hidden" name="state" value="failed"><input type="hidden" name="error-code" value="SMTP_PERMANENT">"#
        #expect(page.body.contains(#"<form method="post" action="/emails/requeue" class="inline"><input type="hidden" name="csrf" value=""#))
        #expect(page.body.contains(hidden + #"<button type="submit" id="bulk-requeue">"#))
        let csrf = try #require(ConsoleClient.hiddenCSRF(in: page.body))
        let form = "state=failed&error-code=SMTP_PERMANENT"

        #expect(try await client.post("/emails/requeue", form: form).status == .forbidden)
        #expect(try await client.post("/emails/requeue", form: "csrf=\(String(repeating: "0", count: 64))&" + form).status == .forbidden)
        #expect(backend.actions.withLock { $0 } == FakeConsoleBackend.Actions())

        let requeue = try await client.post("/emails/requeue", form: "csrf=\(csrf)&" + form)
        #expect(requeue.status == .seeOther)
        let location = try #require(requeue.headers[.location])
        #expect(location == "/emails?state=failed&error-code=SMTP_PERMANENT&done=bulk-requeue&count=1")
        let after = try await client.get(location)
        #expect(after.body.contains(#"<p class="notice" id="notice">Requeued 1 email matching the filter.</p>"#))
        let purge = try await client.post("/emails/purge", form: "csrf=\(csrf)&error-code=SMTP_PERMANENT&state=")
        #expect(purge.headers[.location] == "/emails?error-code=SMTP_PERMANENT&done=bulk-purge&count=1")
        #expect(try await client.get(try #require(purge.headers[.location])).body.contains("Purged 1 email matching the filter."))
        let cancel = try await client.post("/emails/cancel", form: "csrf=\(csrf)&state=ready")
        #expect(try await client.get(try #require(cancel.headers[.location])).body.contains("Cancelled 1 email matching the filter."))
        let empty = try await client.post("/emails/purge", form: "csrf=\(csrf)&state=&recipient=")
        #expect(empty.status == .badRequest && empty.body.contains("takes at least one condition"))
        #expect(
            backend.actions.withLock { $0 }
                == FakeConsoleBackend.Actions(
                    requeued: [.matching(EmailFilter(state: .failed, errorCode: "SMTP_PERMANENT"))],
                    cancelledMatching: [EmailFilter(state: .ready)], purgedMatching: [EmailFilter(errorCode: "SMTP_PERMANENT")]))

        // A viewer sees no bulk action and is refused one.
        var viewer = ConsoleClient(try Self.makeResponder(backend))
        _ = try await viewer.logIn(token: FakeConsoleBackend.viewerToken)
        let viewerPage = try await viewer.get("/emails?state=failed")
        #expect(viewerPage.status == .ok && !viewerPage.body.contains("bulk-"))
        let viewerCSRF = try #require(ConsoleClient.hiddenCSRF(in: viewerPage.body))
        #expect(try await viewer.post("/emails/requeue", form: "csrf=\(viewerCSRF)&state=failed").status == .forbidden)
        #expect(backend.actions.withLock { $0.requeued.count } == 1)
    }

    @Test("the API's bulk actions take the filter as query parameters or a JSON body and reply the count")
    func apiBulkActions() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        let bearer: HTTPFields = [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"]
        let requeue = try await client.send(.post, "/api/emails/requeue?state=failed&error-code=SMTP_PERMANENT", headers: bearer, body: "")
        #expect(requeue.status == .ok && requeue.body == #"{"count":1}"# + "\n")
        let purge = try await client.send(.post, "/api/emails/purge", headers: bearer, body: #"{"error-code":"SMTP_PERMANENT","state":"failed"}"#)
        #expect(purge.body == #"{"count":1}"# + "\n")
        let cancel = try await client.send(.post, "/api/emails/cancel", headers: bearer, body: #"{"created-from":0}"#)
        #expect(cancel.body == #"{"count":1}"# + "\n", "the ready email")
        for (path, body) in [
            ("/api/emails/requeue", ""), ("/api/emails/requeue?state=failed", #"{"tag":"x"}"#), ("/api/emails/requeue", "[1]"),
            ("/api/emails/requeue", #"{"colour":"red"}"#), ("/api/emails/requeue", "{"), ("/api/emails/requeue", #"{"tag":true}"#),
        ] {
            let reply = try await client.send(.post, path, headers: bearer, body: body)
            #expect(reply.status == .badRequest && reply.body.contains(#""code":"BAD_ARGUMENTS""#), "\(path) \(body): \(reply.body)")
        }
        let viewer = try await client.send(
            .post, "/api/emails/requeue?state=failed", headers: [.authorization: "Bearer \(FakeConsoleBackend.viewerToken)"], body: "")
        #expect(viewer.status == .forbidden)
        #expect(
            backend.actions.withLock { $0 }
                == FakeConsoleBackend.Actions(
                    requeued: [.matching(EmailFilter(state: .failed, errorCode: "SMTP_PERMANENT"))],
                    cancelledMatching: [EmailFilter(createdFrom: 0)], purgedMatching: [EmailFilter(state: .failed, errorCode: "SMTP_PERMANENT")]))
    }

    @Test("the email page shows the attempt timeline with each recipient's reply, escaped; the API gives the history")
    func attemptTimeline() async throws {
        var client = ConsoleClient(try Self.makeResponder(Self.makeBackend()))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/emails/\(Self.failedID)").body
        #expect(page.contains(#"<ol class="attempts" id="email-attempts" reversed>"#))
        #expect(page.components(separatedBy: #"<li class="attempt" "#).count == 3)
        let failed = try #require(page.range(of: #"<li class="attempt" data-outcome="failed" data-provider="relay">"#))
        let deferred = try #require(page.range(of: #"<li class="attempt" data-outcome="deferred" data-provider="backup">"#))
        #expect(failed.lowerBound < deferred.lowerBound, "newest first")
        for shown in [
            "#4</strong>", "#3</strong>", "2025-12-06T05:47:40Z", #"<span class="attempt-duration">412 ms</span>"#,
            "<strong>SMTP_TEMPORARY</strong> 451 greylisted", "<td>451</td><td>451 4.7.1 try later</td>", "<td>&lt;i&gt;no&lt;/i&gt;</td>",
            #"<p class="muted" id="attempts-dropped">older attempts dropped: 2</p>"#,
        ] {
            #expect(page.contains(shown), "\(shown)")
        }
        #expect(page.contains(#"<dd id="email-attempt-count">3</dd>"#))
        let ready = try await client.get("/emails/\(Self.readyID)").body
        #expect(ready.contains(#"id="no-attempts""#) && !ready.contains("attempts-dropped"))

        let api = try await client.get("/api/emails/\(Self.failedID)", headers: [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"])
        #expect(api.body.contains(#""history":[{"attempt":3,"outcome":"deferred","#), "\(api.body)")
        #expect(api.body.contains(#""history_dropped":2}"#))
    }

    @Test("a provider is paused and resumed from its row and the API; the overview shows it paused")
    func providerPause() async throws {
        let backend = Self.makeBackend()
        var client = ConsoleClient(try Self.makeResponder(backend))
        _ = try await client.logIn(token: FakeConsoleBackend.adminToken)
        let page = try await client.get("/providers").body
        #expect(page.contains(#"<section class="provider" data-provider="relay&lt;b&gt;">"#))
        #expect(page.contains(#"<span class="provider-state down" id="provider-state-0">down</span>"#))
        #expect(page.contains(#"<form method="post" action="/providers/relay%3Cb%3E/pause" class="inline">"#))
        #expect(page.contains(#"class="secondary provider-pause""#) && !page.contains("provider-resume"))
        let csrf = try #require(ConsoleClient.hiddenCSRF(in: page))
        #expect(try await client.post("/providers/relay%3Cb%3E/pause", form: "").status == .forbidden)
        #expect(try await client.post("/providers/nobody/pause", form: "csrf=\(csrf)").status == .notFound)
        let pause = try await client.post("/providers/relay%3Cb%3E/pause", form: "csrf=\(csrf)")
        #expect(pause.headers[.location] == "/providers?done=provider-paused")
        let paused = try await client.get("/providers?done=provider-paused").body
        #expect(paused.contains(#"<span class="provider-state paused" id="provider-state-0">paused</span>"#))
        #expect(
            paused.contains(#"<form method="post" action="/providers/relay%3Cb%3E/resume" class="inline">"#) && paused.contains("provider-resume"))
        #expect(paused.contains(#"id="notice">The provider is paused"#))
        #expect(try await client.get("/").body.contains(#"<td class="provider-state paused">paused</td>"#))
        let stats = try await client.get("/api/stats", headers: [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"])
        #expect(stats.body.contains(#"{"name":"relay<b>","up":false,"paused":true,"#))

        // A viewer sees the state but no button, and is refused.
        var viewer = ConsoleClient(try Self.makeResponder(backend))
        _ = try await viewer.logIn(token: FakeConsoleBackend.viewerToken)
        let viewerPage = try await viewer.get("/providers").body
        #expect(viewerPage.contains(">paused</span>") && !viewerPage.contains("provider-resume") && !viewerPage.contains("provider-pause"))
        let viewerCSRF = try #require(ConsoleClient.hiddenCSRF(in: viewerPage))
        #expect(try await viewer.post("/providers/relay%3Cb%3E/resume", form: "csrf=\(viewerCSRF)").status == .forbidden)
        let viewerAPI = try await viewer.send(
            .post, "/api/providers/relay%3Cb%3E/resume", headers: [.authorization: "Bearer \(FakeConsoleBackend.viewerToken)"], body: "")
        #expect(viewerAPI.status == .forbidden)

        let bearer: HTTPFields = [.authorization: "Bearer \(FakeConsoleBackend.adminToken)"]
        let resume = try await client.send(.post, "/api/providers/relay%3Cb%3E/resume", headers: bearer, body: "")
        #expect(resume.body == #"{"provider":"relay<b>","paused":false}"# + "\n")
        let missing = try await client.send(.post, "/api/providers/nobody/pause", headers: bearer, body: "")
        #expect(missing.status == .notFound && missing.body.contains(#""code":"NOT_FOUND""#))
        #expect(try await client.get("/api/stats", headers: bearer).body.contains(#"{"name":"relay<b>","up":false,"paused":false,"#))
        #expect(backend.actions.withLock { $0.providerPauses } == [FakeConsoleBackend.providerName: [true, false]])
    }
}
