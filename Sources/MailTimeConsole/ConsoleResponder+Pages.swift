import Foundation
import HTTPTypes
import Hummingbird
import MailTimeJSON
import MailTimeModel
import MailTimeProtocol

extension ConsoleResponder {
    /// The emails a page of the list shows.
    static let pageSize = 50

    /// A page, or the result of a `form`, for a logged-in session (CSRF and role already checked).
    func respondToPage(_ route: ConsoleRoute, request: Request, form: FormFields?, session: ConsoleSession) async -> Response {
        let query = FormFields(request.uri.query ?? "")
        do {
            switch route {
            case .overview:
                return try await overviewPage(session: session, notice: Self.notice(query))
            case .emails:
                return try await emailsPage(query: query, session: session)
            case .email(let id):
                return try await emailPage(id: id, session: session, notice: Self.notice(query))
            case .preview(let id):
                return try await preview(id: id)
            case .emailAction(let id, .requeue):
                let count = try await backend.requeue(.ids([id]))
                return Self.redirect("/emails/\(id)?done=\(count == 1 ? "requeued" : "unchanged")")
            case .emailAction(let id, .cancel):
                let outcome = try await backend.cancel(id: id)
                return Self.redirect("/emails/\(id)?done=\(outcome == .cancelled ? "cancelled" : "cancel-requested")")
            case .bulk(let action):
                let filter = try EmailFilter(fields: form ?? FormFields(""))
                let count = try await bulk(action, filter)
                logger.notice("console bulk action", metadata: ["action": "\(action.rawValue)", "count": "\(count)"])
                let query = filter.queryString
                return Self.redirect("/emails?\(query)\(query.isEmpty ? "" : "&")done=bulk-\(action.rawValue)&count=\(count)")
            case .pauseProvider(let name, let paused):
                try backend.setProviderPaused(paused, name: name)
                logger.notice(paused ? "console paused a provider" : "console resumed a provider", metadata: ["provider": "\(name)"])
                return Self.redirect("/providers?done=provider-\(paused ? "paused" : "resumed")")
            case .requeueFailed:
                let count = try await backend.requeue(.allFailed)
                return Self.redirect("/emails?state=failed&done=requeued&count=\(count)")
            case .pause(let paused):
                backend.setPaused(paused)
                logger.notice(paused ? "console paused delivery" : "console resumed delivery")
                return Self.redirect("/providers?done=\(paused ? "paused" : "resumed")")
            case .providers:
                return try await providersPage(session: session, notice: Self.notice(query))
            case .events:
                return eventStream()
            case .loginPage, .login, .logout, .asset, .api:
                preconditionFailure("\(route) is answered before the session's pages")
            }
        } catch let error as ProtocolError {
            return errorPage(Self.status(of: error.code), heading: error.code.name, message: error.message, session: session)
        } catch {
            return errorPage(.internalServerError, heading: "Error", message: "\(error)", session: session)
        }
    }

    /// The fixed sentence for a `done=` result code; never text taken from the URL.
    static func notice(_ query: FormFields) -> String? {
        switch query["done"] {
        case "requeued":
            if let count = query["count"].flatMap(Int.init) { return "\(count) failed email\(count == 1 ? "" : "s") requeued." }
            return "The email is queued again."
        case "unchanged": return "Nothing was requeued."
        case "cancelled": return "The email is cancelled."
        case "cancel-requested": return "The email is being sent; it is cancelled when the attempt ends, unless it is delivered."
        case "bulk-requeue", "bulk-cancel", "bulk-purge":
            guard let count = query["count"].flatMap(Int.init) else { return nil }
            let verb = query["done"] == "bulk-requeue" ? "Requeued" : query["done"] == "bulk-cancel" ? "Cancelled" : "Purged"
            return "\(verb) \(count) email\(count == 1 ? "" : "s") matching the filter."
        case "provider-paused": return "The provider is paused: no email goes through it until it is resumed."
        case "provider-resumed": return "The provider is resumed."
        case "paused": return "The embedded senders are paused."
        case "resumed": return "The embedded senders are running."
        default: return nil
        }
    }

    private func overviewPage(session: ConsoleSession, notice: String?) async throws -> Response {
        let stats = try await backend.stats()
        let series = throughput.series(now: Self.nowMilliseconds())
        var seriesJSON = JSONWriter()
        Self.write(series, to: &seriesJSON)
        let values: [String: Any] = [
            "counts": JobState.allCases.map { ["state": $0.name, "count": stats.counts[$0, default: 0]] as [String: Any] },
            "oldestReadyAge": Self.age(milliseconds: stats.oldestReadyAgeMilliseconds),
            "delivery": stats.isPaused ? "paused" : "running",
            "series": String(decoding: seriesJSON.bytes, as: UTF8.self),
            "hasProviders": !stats.providers.isEmpty,
            "providers": stats.providers.map(Self.values(of:)),
        ]
        return Self.html(.ok, pages.render("overview", title: "Overview", values: values, session: session, notice: notice, live: true))
    }

    private func emailsPage(query: FormFields, session: ConsoleSession) async throws -> Response {
        let filter = try EmailFilter(fields: query)
        let after = query["after"].flatMap { $0.isEmpty ? nil : $0 }
        let jobs = try await backend.list(EmailQuery(filter: filter, after: after, limit: Self.pageSize))
        let state = filter.state
        let rows = jobs.map { job -> [String: Any] in
            [
                "id": job.id, "state": job.state.name, "attempts": job.attempts, "created": Self.time(job.createdAt),
                "updated": Self.time(job.updatedAt), "lastError": job.lastError.map { "\($0.code.name): \($0.text)" } ?? "",
            ]
        }
        var values: [String: Any] = [
            "heading": filter.isEmpty ? "all" : filter.arguments.joined(separator: ", "),
            "states": JobState.allCases.map { ["name": $0.name, "current": $0 == state] as [String: Any] },
            "rows": rows,
            "requeueFailed": state == .failed && session.mayAct,
            "csrf": session.csrfToken,
        ]
        let inputs: [(String, String?)] = [
            ("recipient", filter.recipient), ("domain", filter.domain), ("sender", filter.sender), ("tag", filter.tag),
            ("provider", filter.provider), ("errorCode", filter.errorCode), ("createdFrom", filter.createdFrom.map(String.init)),
            ("createdTo", filter.createdTo.map(String.init)),
        ]
        for (name, value) in inputs { values[name] = value ?? "" }
        if !filter.isEmpty && session.mayAct {
            // Each action is offered where it can change something: its states include the filter's.
            let offered: (Set<JobState>) -> Bool = { states in state.map { states.contains($0) } ?? true }
            let bulk: [String: Any] = [
                "hidden": filter.fields.map { ["name": $0.name, "value": $0.value] },
                "requeue": offered([.failed, .cancelled]),
                "cancel": offered([.scheduled, .ready, .leased]),
                "purge": offered([.sent, .failed, .cancelled]),
            ]
            values["bulk"] = bulk
        }
        if after != nil { values["after"] = true }
        if jobs.count == Self.pageSize, let last = jobs.last {
            let query = filter.queryString
            values["next"] = "/emails?\(query)\(query.isEmpty ? "" : "&")after=\(EmailFilter.percentEncoded(last.id))"
        }
        return Self.html(.ok, pages.render("emails", title: "Emails", values: values, session: session, notice: Self.notice(query)))
    }

    /// Runs a bulk action of the Emails page or the API on `filter`; returns how many emails it changed.
    /// An empty filter gets `BAD_ARGUMENTS`, as `REQUEUE WHERE` without a condition does.
    func bulk(_ action: ConsoleRoute.BulkAction, _ filter: EmailFilter) async throws -> Int {
        guard !filter.isEmpty else {
            throw ProtocolError(.badArguments, "a bulk \(action.rawValue) takes at least one condition")
        }
        return switch action {
        case .requeue: try await backend.requeue(.matching(filter))
        case .cancel: try await backend.cancel(matching: filter)
        case .purge: try await backend.purge(matching: filter)
        }
    }

    private func emailPage(id: String, session: ConsoleSession, notice: String?) async throws -> Response {
        let email = try await backend.email(id: id)
        let status = email.status
        var values: [String: Any] = [
            "id": status.id,
            "state": status.state.name,
            "cancelRequested": status.cancelRequested,
            "attempts": status.attempts,
            "priority": status.priority,
            "created": Self.time(status.createdAt),
            "updated": Self.time(status.updatedAt),
            "mayAct": session.mayAct,
            "mayRequeue": status.state == .failed || status.state == .cancelled,
            "mayCancel": !status.state.isFinal && !status.cancelRequested,
            "csrf": session.csrfToken,
            "hasRecipients": !status.recipients.isEmpty,
            "recipients": status.recipients.map {
                ["address": $0.address, "accepted": $0.accepted, "code": $0.code, "reply": $0.reply] as [String: Any]
            },
        ]
        if let notBefore = status.notBefore { values["notBefore"] = Self.time(notBefore) }
        if let finished = status.finishedAt { values["finished"] = Self.time(finished) }
        if let lease = status.lease { values["lease"] = ["owner": lease.owner, "deadline": Self.time(lease.deadline)] }
        if let key = status.idempotencyKey { values["idempotencyKey"] = key }
        if let failure = status.lastError {
            var error: [String: Any] = ["code": failure.code.name, "text": failure.text]
            if let provider = failure.provider { error["provider"] = provider }
            if let at = failure.at { error["at"] = Self.time(at) }
            values["lastError"] = error
        }
        if let history = status.history {
            values["history"] = history.attempts.reversed().map(Self.values(of:))
            if history.dropped > 0 { values["dropped"] = history.dropped }
        }
        if let payload = email.payload {
            values["content"] = Self.values(of: try Self.content(of: payload))
        }
        return Self.html(.ok, pages.render("email", title: "Email \(status.id)", values: values, session: session, notice: notice))
    }

    /// The email's HTML alone, for the sandboxed frame, under a policy that forbids every script and
    /// remote load.
    private func preview(id: String) async throws -> Response {
        let email = try await backend.email(id: id)
        let html = try email.payload.map { try Self.content(of: $0).html } ?? nil
        guard let html else { throw ProtocolError(.notFound, "email \(id) has no HTML body stored") }
        var response = Self.html(.ok, html)
        response.headers[SecurityHeaders.contentSecurityPolicy] = SecurityHeaders.previewPolicy
        response.headers[SecurityHeaders.frameOptions] = "SAMEORIGIN"
        return response
    }

    private func providersPage(session: ConsoleSession, notice: String?) async throws -> Response {
        let stats = try await backend.stats()
        let providers = backend.providers().enumerated().map { index, provider -> [String: Any] in
            var values = Self.values(of: provider.health)
            values["index"] = index
            values["path"] = EmailFilter.percentEncoded(provider.health.name)
            values["paused"] = provider.health.isPaused
            values["settings"] = provider.settings.map { ["name": $0.name, "value": $0.value] }
            return values
        }
        let values: [String: Any] = [
            "delivery": stats.isPaused ? "paused" : "running",
            "deliveryClass": stats.isPaused ? "paused" : "up",
            "deliveryPaused": stats.isPaused,
            "mayAct": session.mayAct,
            "csrf": session.csrfToken,
            "providers": providers,
        ]
        return Self.html(.ok, pages.render("providers", title: "Providers", values: values, session: session, notice: notice))
    }

    /// The stored payload read for display; a payload that cannot be read is reported as `STORAGE`.
    static func content(of payload: [UInt8]) throws(ProtocolError) -> EmailContent {
        do {
            return try EmailContent(payload: payload)
        } catch {
            throw ProtocolError(.storage, "the stored email cannot be read: \(error)")
        }
    }

    /// A provider's health for the pages; its state is `paused` (by an operator), `up` or `down` (its circuit).
    static func values(of health: ProviderHealth) -> [String: Any] {
        let state = health.isPaused ? "paused" : health.isUp ? "up" : "down"
        return [
            "name": health.name, "state": state, "stateClass": state, "sent": health.sent,
            "failures": health.failures, "consecutiveFailures": health.consecutiveFailures, "lastError": health.lastError ?? "",
        ]
    }

    /// One attempt of an email's history for its timeline.
    static func values(of attempt: DeliveryAttempt) -> [String: Any] {
        var values: [String: Any] = [
            "number": attempt.number,
            "outcome": attempt.outcome.name,
            "at": time(attempt.endedAt),
            "provider": attempt.provider ?? "",
            "hasRecipients": !attempt.recipients.isEmpty,
            "recipients": attempt.recipients.map {
                ["address": $0.address, "accepted": $0.accepted, "code": $0.code, "reply": $0.reply] as [String: Any]
            },
        ]
        if let duration = attempt.durationMilliseconds { values["duration"] = "\(duration) ms" }
        if let error = attempt.error { values["error"] = ["code": error.code.name, "text": error.text] }
        return values
    }

    static func values(of content: EmailContent) -> [String: Any] {
        var values: [String: Any] = [
            "submitted": content.isSubmitted,
            "from": content.from ?? "",
            "to": content.to,
            "cc": content.cc,
            "bcc": content.bcc,
            "replyTo": content.replyTo,
            "subject": content.subject ?? "",
            "tags": content.tags,
            "hasHeaders": !content.headers.isEmpty,
            "headers": content.headers.map { ["name": $0.name, "value": $0.value] },
            "hasHTML": content.html != nil,
            "hasAttachments": !content.attachments.isEmpty,
            "attachments": content.attachments.map {
                ["filename": $0.filename, "contentType": $0.contentType, "size": $0.size, "inline": $0.isInline] as [String: Any]
            },
        ]
        if let messageID = content.messageID { values["messageID"] = messageID }
        if let text = content.text { values["text"] = text }
        if let html = content.html { values["html"] = html }
        return values
    }

    static func write(_ series: [ThroughputRing.Minute], to writer: inout JSONWriter) {
        writer.beginArray()
        for minute in series {
            writer.beginObject()
            writer.key("start")
            writer.integer(minute.start)
            writer.key("sent")
            writer.integer(minute.sent)
            writer.key("deferred")
            writer.integer(minute.deferred)
            writer.key("failed")
            writer.integer(minute.failed)
            writer.endObject()
        }
        writer.endArray()
    }

    /// A Unix time in milliseconds as ISO 8601 in UTC.
    static func time(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }

    /// A duration in words: `42 s`, `3 min 5 s`, `2 h 10 min`.
    static func age(milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds / 1000)
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
