import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MailTimeJSON
import MailTimeProtocol
import NIOCore

/// Answers every console request: the pages (behind a session cookie), the JSON API (behind a bearer
/// token), the live updates and the assets. Every response, errors included, carries
/// ``SecurityHeaders``.
public struct ConsoleResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let backend: any ConsoleBackend
    let sessions: ConsoleSessionTable
    let pages: ConsolePages
    let throughput: ThroughputCounter
    let configuration: ConsoleConfiguration
    let logger: Logger

    static let sessionCookie = "mailtime_session"
    static let loginCookie = "mailtime_login"
    /// The largest form or API request body read.
    static let maximumBodySize = 16 * 1024

    public init(configuration: ConsoleConfiguration, backend: any ConsoleBackend, logger: Logger) throws {
        self.backend = backend
        self.configuration = configuration
        self.sessions = ConsoleSessionTable(
            limit: configuration.maximumSessions,
            idleTimeout: configuration.sessionIdleTimeout,
            lifetime: configuration.sessionLifetime
        )
        self.pages = try ConsolePages()
        self.throughput = ThroughputCounter()
        self.logger = logger
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        await respond(to: request)
    }

    /// The response to `request`, with the security headers.
    public func respond(to request: Request) async -> Response {
        var response = await route(request)
        SecurityHeaders.apply(to: &response.headers)
        return response
    }

    /// Counts an event in the per-minute chart.
    func record(_ event: MailTimeEvent) {
        let kind: ThroughputRing.Kind
        switch event.kind {
        case .sent: kind = .sent
        case .deferred: kind = .deferred
        case .failed: kind = .failed
        default: return
        }
        let time = event.at ?? Self.nowMilliseconds()
        throughput.record(kind, at: time)
    }

    private func route(_ request: Request) async -> Response {
        guard let route = ConsoleRoute(method: request.method, path: request.uri.path) else {
            if request.uri.path.hasPrefix("/api/") {
                return Self.apiError(ProtocolError(.notFound, "no such endpoint: \(request.method.rawValue) \(request.uri.path.prefix(200))"))
            }
            return errorPage(.notFound, heading: "Not found", message: "There is no such page.", session: nil)
        }
        switch route {
        case .asset(let asset):
            var headers = HTTPFields()
            headers[.contentType] = asset.contentType
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: asset.text)))
        case .loginPage:
            return loginPage(problem: nil, status: .ok)
        case .login:
            return await login(request)
        case .api(let api):
            return await respondToAPI(api, request: request)
        default:
            guard let session = session(of: request) else {
                if case .events = route { return Self.text(.unauthorized, "log in first") }
                return Self.redirect("/login")
            }
            var form: FormFields?
            if request.method == .post {
                form = await self.form(of: request)
                guard let form, checkCSRF(form, request: request, session: session) else {
                    return errorPage(
                        .forbidden, heading: "Refused", message: "The request did not carry this session's CSRF token.", session: session)
                }
                if case .logout = route {
                    sessions.close(id: session.id)
                    var response = Self.redirect("/login")
                    response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", path: "/", maxAge: 0)))
                    return response
                }
                guard session.mayAct else {
                    return errorPage(.forbidden, heading: "Refused", message: "A viewer token can look but not act.", session: session)
                }
            }
            return await respondToPage(route, request: request, form: form, session: session)
        }
    }

    /// The session the request's cookie names, if it is open.
    func session(of request: Request) -> ConsoleSession? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty else { return nil }
        return sessions.session(id: id)
    }

    /// A state-changing request is accepted only with the session's CSRF token in its form, and,
    /// when the browser names the page it came from (`Origin`), only from this console.
    private func checkCSRF(_ form: FormFields, request: Request, session: ConsoleSession) -> Bool {
        guard sameOrigin(request), let token = form["csrf"] else { return false }
        return ConsoleSessionTable.constantTimeEquals(token, session.csrfToken)
    }

    /// False when the request names an `Origin` other than the console's own (`https://` and its `Host`).
    func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "https://" + host
    }

    /// The request's form fields (`application/x-www-form-urlencoded`), or `nil` when the body is too large.
    func form(of request: Request) async -> FormFields? {
        guard let body = try? await request.body.collect(upTo: Self.maximumBodySize) else { return nil }
        return FormFields(String(buffer: body))
    }

    // MARK: - Login

    private func loginPage(problem: String?, status: HTTPResponse.Status) -> Response {
        let nonce = ConsoleSessionTable.randomHex()
        var values: [String: Any] = ["csrf": nonce]
        if let problem { values["problem"] = problem }
        var response = Self.html(status, pages.render("login", title: "Log in", values: values, session: nil))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, nonce, path: "/login", maxAge: 600)))
        return response
    }

    /// `POST /login`: the login form's CSRF token must match its cookie (set with the form); an admin
    /// or viewer token opens a session.
    private func login(_ request: Request) async -> Response {
        guard let form = await form(of: request), sameOrigin(request), let nonce = form["csrf"],
            let cookie = request.cookies[Self.loginCookie]?.value, !cookie.isEmpty, ConsoleSessionTable.constantTimeEquals(nonce, cookie)
        else {
            return loginPage(problem: "The login form expired or did not come from this console; try again.", status: .forbidden)
        }
        guard let token = form["token"], let role = backend.role(ofToken: token) else {
            logger.notice("console login refused", metadata: ["reason": "invalid token"])
            return loginPage(problem: "The token is not valid.", status: .unauthorized)
        }
        guard role == .admin || role == .viewer else {
            logger.notice("console login refused", metadata: ["reason": "role", "role": "\(role.rawValue)"])
            return loginPage(problem: "A \(role.rawValue) token cannot use the console; use an admin or viewer token.", status: .forbidden)
        }
        let session = sessions.open(role: role)
        logger.info("console login", metadata: ["role": "\(role.rawValue)"])
        var response = Self.redirect("/")
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, session.id, path: "/", maxAge: nil)))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, "", path: "/login", maxAge: 0)))
        return response
    }

    // MARK: - Responses

    /// A cookie only HTTPS requests from this site's own pages carry, out of scripts' reach.
    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int?) -> String {
        "\(name)=\(value); Path=\(path)\(maxAge.map { "; Max-Age=\($0)" } ?? ""); Secure; HttpOnly; SameSite=Strict"
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func json(_ status: HTTPResponse.Status, _ write: (inout JSONWriter) -> Void) -> Response {
        var writer = JSONWriter()
        write(&writer)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        var buffer = ByteBuffer(bytes: writer.bytes)
        buffer.writeString("\n")
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// `303 See Other` to `location` (a path of the console).
    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    func errorPage(_ status: HTTPResponse.Status, heading: String, message: String, session: ConsoleSession?) -> Response {
        Self.html(status, pages.render("error", title: heading, values: ["heading": heading, "message": message], session: session))
    }

    /// The HTTP status of a protocol error code.
    static func status(of code: ProtocolError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .authRequired, .authFailed: .unauthorized
        case .forbidden: .forbidden
        case .invalidState: .conflict
        case .storage, .shuttingDown: .serviceUnavailable
        case .badArguments, .invalidArgument: .badRequest
        default: .internalServerError
        }
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
