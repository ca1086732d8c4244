import HTTPTypes
import Hummingbird
import MailTimeConsole
import NIOCore
import Synchronization
import Testing

/// Drives a ``ConsoleResponder`` in process as a browser would: it keeps the cookies the console sets
/// and sends them back.
struct ConsoleClient {
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String

        /// Every `Set-Cookie` value.
        var setCookies: [String] { headers[values: .setCookie] }
    }

    let responder: ConsoleResponder
    var cookies: [String: String] = [:]

    init(_ responder: ConsoleResponder) {
        self.responder = responder
    }

    mutating func get(_ path: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await send(.get, path, headers: headers, body: "")
    }

    mutating func post(_ path: String, form: String, headers: HTTPFields = [:]) async throws -> Reply {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, headers: headers, body: form)
    }

    /// Loads the login form, then posts `token` with the form's CSRF token.
    mutating func logIn(token: String) async throws -> Reply {
        let form = try await get("/login")
        let csrf = try #require(Self.hiddenCSRF(in: form.body))
        return try await post("/login", form: "csrf=\(csrf)&token=\(token)")
    }

    mutating func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: String) async throws -> Reply {
        var fields = headers
        if !cookies.isEmpty {
            fields[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let head = HTTPRequest(method: method, scheme: "https", authority: "console.test", path: path, headerFields: fields)
        let response = await responder.respond(to: Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body))))
        let collector = BodyCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        let reply = Reply(status: response.status, headers: response.headers, body: collector.text)
        for cookie in reply.setCookies {
            let pair = cookie.prefix { $0 != ";" }.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return reply
    }

    /// The value of the first hidden `csrf` field of a page.
    static func hiddenCSRF(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// Collects a response body.
final class BodyCollector: Sendable {
    private let buffer = Mutex(ByteBuffer())

    func append(_ part: ByteBuffer) {
        buffer.withLock { buffer in
            var part = part
            buffer.writeBuffer(&part)
        }
    }

    var text: String { buffer.withLock { String(buffer: $0) } }
}

struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        collector.append(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
