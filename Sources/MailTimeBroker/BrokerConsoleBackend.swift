import MailTimeConsole
import MailTimeDelivery
import MailTimeModel
import MailTimeProtocol
import MailTimeQueue

/// The admin console's view of the broker: its queue, tokens, event hub, delivery control and providers.
/// Each call does what the line protocol's command of the same name does, with the same errors.
struct BrokerConsoleBackend: ConsoleBackend {
    let queue: MailQueue
    let authenticator: TokenAuthenticator
    let hub: EventHub
    let control: DeliveryControl
    /// The embedded senders' providers, in configuration order.
    let providerConfigurations: [ProviderConfiguration]

    func role(ofToken token: String) -> BrokerRole? {
        authenticator.role(of: token)
    }

    func stats() async throws -> BrokerStats {
        let stats = try await run(.stats())
        return BrokerStats(stats, isPaused: control.isPaused, connections: control.connections, providers: control.providerHealth)
    }

    func list(_ query: EmailQuery) async throws -> [JobStatus] {
        let after = try query.after.map { (text) throws(ProtocolError) in try Self.jobID(text) }
        return try await run(.search(JobFilter(query.filter), after: after, limit: query.limit)).map { JobStatus($0) }
    }

    func email(id: String) async throws -> ConsoleEmail {
        let id = try Self.jobID(id)
        let inspected = try await run(.inspect(id))
        let payload: [UInt8]?
        do {
            payload = try await run(.payload(of: id))
        } catch let error as ProtocolError where error.code == .notFound {
            // The body was purged (body retention) after the status was read.
            payload = nil
        }
        return ConsoleEmail(status: JobStatus(inspected.job, history: inspected.history), payload: payload)
    }

    func requeue(_ selection: EmailSelection) async throws -> Int {
        let requeue: RequeueSelection
        switch selection {
        case .ids(let ids): requeue = .ids(try ids.map { (text) throws(ProtocolError) in try Self.jobID(text) })
        case .allFailed: requeue = .allFailed
        case .matching(let filter): return try await apply(.requeue, matching: filter)
        }
        do {
            let count = try await queue.requeue(requeue).count
            if count > 0 { control.workArrived() }
            return count
        } catch {
            throw ProtocolError(queueError: error)
        }
    }

    func cancel(matching filter: EmailFilter) async throws -> Int {
        try await apply(.cancel, matching: filter)
    }

    func purge(matching filter: EmailFilter) async throws -> Int {
        try await apply(.purge, matching: filter)
    }

    func cancel(id: String) async throws -> CancelOutcome {
        try await run(.cancel(try Self.jobID(id)))
    }

    func setPaused(_ paused: Bool) {
        control.setPaused(paused)
        if !paused { control.workArrived() }
    }

    func setProviderPaused(_ paused: Bool, name: String) throws {
        guard control.setProviderPaused(paused, name: name) else {
            throw ProtocolError(.notFound, "no provider is named \(name.prefix(64))")
        }
        if !paused { control.workArrived() }
    }

    func providers() -> [ConsoleProvider] {
        let health = control.providerHealth
        return providerConfigurations.enumerated().map { index, provider in
            ConsoleProvider(
                settings: Self.settings(of: provider),
                health: index < health.count ? health[index] : ProviderHealth(name: provider.name)
            )
        }
    }

    func subscribe(_ handler: @escaping @Sendable (MailTimeEvent) -> Void) -> ConsoleSubscription {
        let key = hub.subscribe { event in handler(MailTimeEvent(event)) }
        let hub = hub
        return ConsoleSubscription { hub.unsubscribe(key) }
    }

    /// A provider's configuration for display: its password, secret or token is never included.
    static func settings(of provider: ProviderConfiguration) -> [ConsoleProvider.Setting] {
        let smtp = provider.smtp
        var settings: [ConsoleProvider.Setting] = [
            .init(name: "host", value: smtp.host),
            .init(name: "port", value: "\(smtp.port)"),
            .init(name: "tls", value: smtp.tlsPolicy.rawValue),
        ]
        if let serverName = smtp.tlsServerName { settings.append(.init(name: "tls-server-name", value: serverName)) }
        if let credentials = smtp.credentials {
            settings.append(.init(name: "username", value: credentials.username))
            settings.append(.init(name: "password", value: "(set; not shown)"))
        }
        settings.append(.init(name: "connections", value: "\(provider.maximumConnections)"))
        settings.append(.init(name: "rate", value: provider.messagesPerSecond.map { "\($0) messages/s" } ?? "no limit"))
        settings.append(.init(name: "weight", value: "\(provider.weight)"))
        if let from = provider.defaultFrom { settings.append(.init(name: "from", value: from)) }
        settings.append(.init(name: "local-name", value: smtp.localName))
        settings.append(.init(name: "pipelining", value: smtp.usesPipelining ? "yes" : "no"))
        return settings
    }

    /// A bulk action in batches, as `REQUEUE WHERE`, `CANCEL WHERE` and `PURGE WHERE` run it.
    private func apply(_ action: BulkAction, matching filter: EmailFilter) async throws -> Int {
        do {
            let count = try await queue.apply(action, matching: JobFilter(filter))
            if action == .requeue && count > 0 { control.workArrived() }
            return count
        } catch {
            throw ProtocolError(queueError: error)
        }
    }

    private func run<Result: Sendable>(_ operation: QueueOperation<Result>) async throws -> Result {
        do {
            return try await queue.run(operation)
        } catch {
            throw ProtocolError(queueError: error)
        }
    }

    private static func jobID(_ text: String) throws(ProtocolError) -> JobID {
        guard let id = JobID(text) else {
            throw ProtocolError(.badArguments, "\(text.prefix(64)) is not a job id (a UUID)")
        }
        return id
    }
}
