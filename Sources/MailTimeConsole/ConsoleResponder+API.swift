import HTTPTypes
import Hummingbird
import MailTimeJSON
import MailTimeModel
import MailTimeProtocol
import NIOCore

extension ConsoleResponder {
    /// The JSON API (README, "JSON API"): each request carries `Authorization: Bearer <token>`; admin
    /// tokens may do everything, viewer tokens only read. Errors are `{"error":{"code":…,"message":…}}`
    /// with the protocol's codes. Session cookies are not accepted here, so no CSRF token is needed.
    func respondToAPI(_ route: ConsoleRoute.API, request: Request) async -> Response {
        guard let authorization = request.headers[.authorization] else {
            var response = Self.apiError(ProtocolError(.authRequired, "send the token as Authorization: Bearer <token>"))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        guard authorization.hasPrefix("Bearer "), let role = backend.role(ofToken: String(authorization.dropFirst(7))) else {
            var response = Self.apiError(ProtocolError(.authFailed, "the token is not valid"))
            response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
            return response
        }
        guard role == .admin || role == .viewer else {
            return Self.apiError(ProtocolError(.forbidden, "a \(role.rawValue) token cannot use the API; use an admin or viewer token"))
        }
        guard role == .admin || !route.isAction else {
            return Self.apiError(ProtocolError(.forbidden, "a viewer token can read but not act"))
        }
        do {
            return try await answer(route, request: request)
        } catch let error as ProtocolError {
            return Self.apiError(error)
        } catch {
            return Self.apiError(ProtocolError(.storage, "\(error)"))
        }
    }

    private func answer(_ route: ConsoleRoute.API, request: Request) async throws -> Response {
        let query = FormFields(request.uri.query ?? "")
        switch route {
        case .stats:
            let stats = try await backend.stats()
            return Self.json(.ok) { stats.write(to: &$0) }
        case .emails:
            let emailQuery = try Self.emailQuery(query)
            let jobs = try await backend.list(emailQuery)
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("emails")
                writer.beginArray()
                for job in jobs { job.write(to: &writer) }
                writer.endArray()
                writer.key("next_after")
                if jobs.count == emailQuery.limit, let last = jobs.last { writer.string(last.id) } else { writer.null() }
                writer.endObject()
            }
        case .email(let id):
            let email = try await backend.email(id: id)
            let content = try email.payload.map { payload throws(ProtocolError) in try Self.content(of: payload) }
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("status")
                email.status.write(to: &writer)
                writer.key("email")
                if let content { Self.write(content, to: &writer) } else { writer.null() }
                writer.endObject()
            }
        case .emailAction(let id, .requeue):
            let count = try await backend.requeue(.ids([id]))
            return Self.json(.ok) { Self.writeObject(&$0, "requeued", count) }
        case .emailAction(let id, .cancel):
            let outcome = try await backend.cancel(id: id)
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("outcome")
                writer.string(outcome.rawValue)
                writer.endObject()
            }
        case .bulk(let action):
            let count = try await bulk(action, try await Self.bulkFilter(query, request: request))
            logger.notice("console API bulk action", metadata: ["action": "\(action.rawValue)", "count": "\(count)"])
            return Self.json(.ok) { Self.writeObject(&$0, "count", count) }
        case .pauseProvider(let name, let paused):
            try backend.setProviderPaused(paused, name: name)
            logger.notice(paused ? "console API paused a provider" : "console API resumed a provider", metadata: ["provider": "\(name)"])
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("provider")
                writer.string(name)
                writer.key("paused")
                writer.bool(paused)
                writer.endObject()
            }
        case .requeueFailed:
            let count = try await backend.requeue(.allFailed)
            return Self.json(.ok) { Self.writeObject(&$0, "requeued", count) }
        case .pause(let paused):
            backend.setPaused(paused)
            logger.notice(paused ? "console API paused delivery" : "console API resumed delivery")
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("paused")
                writer.bool(paused)
                writer.endObject()
            }
        case .throughput:
            let series = throughput.series(now: Self.nowMilliseconds())
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("minutes")
                Self.write(series, to: &writer)
                writer.endObject()
            }
        case .providers:
            let providers = backend.providers()
            return Self.json(.ok) { writer in
                writer.beginObject()
                writer.key("providers")
                writer.beginArray()
                for provider in providers {
                    writer.beginObject()
                    writer.key("name")
                    writer.string(provider.health.name)
                    writer.key("settings")
                    writer.beginObject()
                    for setting in provider.settings {
                        writer.key(setting.name)
                        writer.string(setting.value)
                    }
                    writer.endObject()
                    writer.key("health")
                    provider.health.write(to: &writer)
                    writer.endObject()
                }
                writer.endArray()
                writer.endObject()
            }
        }
    }

    /// The filter (``EmailFilter/keys``), `after` and `limit` (1 to 1,000, default 50) of `GET /api/emails`.
    static func emailQuery(_ query: FormFields) throws(ProtocolError) -> EmailQuery {
        let filter = try EmailFilter(fields: query)
        var limit = 50
        if let text = query["limit"] {
            guard let number = Int(text), text.allSatisfy(\.isASCII), text.first != "+" else {
                throw ProtocolError(.badArguments, "limit must be a number")
            }
            guard (1...1000).contains(number) else { throw ProtocolError(.invalidArgument, "limit must be from 1 to 1000") }
            limit = number
        }
        let after = query["after"].flatMap { $0.isEmpty ? nil : $0 }
        return EmailQuery(filter: filter, after: after, limit: limit)
    }

    /// The filter of a bulk action: its query parameters, or a JSON object in its body (not both).
    static func bulkFilter(_ query: FormFields, request: Request) async throws -> EmailFilter {
        let fromQuery = try EmailFilter(fields: query)
        guard let body = try? await request.body.collect(upTo: maximumBodySize) else {
            throw ProtocolError(.badArguments, "the body is larger than \(maximumBodySize) bytes")
        }
        let bytes = Array(buffer: body)
        guard bytes.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains($0) }) else {
            return fromQuery
        }
        guard fromQuery.isEmpty else {
            throw ProtocolError(.badArguments, "give the filter as query parameters or as a JSON body, not both")
        }
        return try EmailFilter(json: bytes)
    }

    /// `{"error":{"code":…,"message":…}}` with the HTTP status of its code.
    static func apiError(_ error: ProtocolError) -> Response {
        json(status(of: error.code)) { writer in
            writer.beginObject()
            writer.key("error")
            writer.beginObject()
            writer.key("code")
            writer.string(error.code.name)
            writer.key("message")
            writer.string(error.message)
            writer.endObject()
            writer.endObject()
        }
    }

    private static func writeObject(_ writer: inout JSONWriter, _ key: String, _ value: Int) {
        writer.beginObject()
        writer.key(key)
        writer.integer(value)
        writer.endObject()
    }

    /// An email's content as the API shows it: addresses, subject, headers, bodies, attachments without their content.
    static func write(_ content: EmailContent, to writer: inout JSONWriter) {
        func strings(_ key: String, _ values: [String]) {
            writer.key(key)
            writer.beginArray()
            for value in values { writer.string(value) }
            writer.endArray()
        }
        func optional(_ key: String, _ value: String?) {
            writer.key(key)
            if let value { writer.string(value) } else { writer.null() }
        }
        writer.beginObject()
        writer.key("submitted")
        writer.bool(content.isSubmitted)
        optional("from", content.from)
        strings("to", content.to)
        strings("cc", content.cc)
        strings("bcc", content.bcc)
        strings("reply_to", content.replyTo)
        optional("subject", content.subject)
        optional("message_id", content.messageID)
        strings("tags", content.tags)
        writer.key("headers")
        writer.beginArray()
        for header in content.headers {
            writer.beginObject()
            writer.key("name")
            writer.string(header.name)
            writer.key("value")
            writer.string(header.value)
            writer.endObject()
        }
        writer.endArray()
        optional("text", content.text)
        optional("html", content.html)
        writer.key("attachments")
        writer.beginArray()
        for attachment in content.attachments {
            writer.beginObject()
            writer.key("filename")
            writer.string(attachment.filename)
            writer.key("content_type")
            writer.string(attachment.contentType)
            writer.key("size")
            writer.integer(attachment.size)
            writer.key("inline")
            writer.bool(attachment.isInline)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}
