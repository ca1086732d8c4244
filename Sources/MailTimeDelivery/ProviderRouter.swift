import Logging
import MailTimeMessage
import MailTimeModel
import MailTimeSMTP
import Synchronization

/// Delivers through SMTP providers by a ``DeliveryStrategy``, moving on to the next provider when
/// one fails and keeping failing providers out for a while (a circuit breaker per provider).
public final class ProviderRouter: MailDeliverer {
    /// How providers are chosen and when one is taken out.
    public struct Configuration: Sendable {
        public var strategy: DeliveryStrategy
        /// Provider failures in a row that take a provider down.
        public var failureThreshold: Int
        /// How long a provider stays down before one attempt probes it; doubles after each failed probe.
        public var coolDown: Duration
        /// The longest cool-down.
        public var maximumCoolDown: Duration

        public init(
            strategy: DeliveryStrategy = .failover(temporaryFailuresBeforeNext: 4),
            failureThreshold: Int = 3,
            coolDown: Duration = .seconds(10),
            maximumCoolDown: Duration = .seconds(300)
        ) {
            self.strategy = strategy
            self.failureThreshold = failureThreshold
            self.coolDown = coolDown
            self.maximumCoolDown = maximumCoolDown
        }
    }

    public var name: String { "smtp" }
    private let providers: [SMTPProvider]
    private let configuration: Configuration
    private let logger: Logger
    /// The smooth weighted round-robin's current weights (nginx's algorithm).
    private let balance: Mutex<[Int]>

    public init(providers: [ProviderConfiguration], configuration: Configuration = Configuration(), logger: Logger) throws {
        precondition(!providers.isEmpty, "a router needs at least one provider")
        self.providers = try providers.enumerated().map { index, provider in
            try SMTPProvider(
                index: index,
                configuration: provider,
                breaker: CircuitBreaker(
                    threshold: configuration.failureThreshold,
                    coolDown: configuration.coolDown,
                    maximumCoolDown: configuration.maximumCoolDown
                ),
                logger: logger
            )
        }
        self.configuration = configuration
        self.logger = logger
        self.balance = Mutex(Array(repeating: 0, count: providers.count))
    }

    /// Each provider's health, in configuration order.
    public var health: [ProviderHealth] { providers.map(\.health) }

    /// Pauses the provider named `name` (no email goes to it; under failover the next provider takes
    /// its emails) or resumes it. Returns whether a provider has that name.
    public func setPaused(_ paused: Bool, provider name: String) -> Bool {
        guard let provider = providers.first(where: { $0.name == name }) else { return false }
        provider.setPaused(paused)
        logger.notice(paused ? "provider paused" : "provider resumed", metadata: ["provider": "\(name)"])
        return true
    }

    /// Connects to each provider (EHLO, TLS, AUTH) and takes the broken ones out until they recover.
    public func checkProviders() async {
        await withTaskGroup(of: Void.self) { group in
            for provider in providers {
                group.addTask {
                    do {
                        try await provider.pool.probe()
                        self.logger.info("provider ready", metadata: ["provider": "\(provider.name)"])
                    } catch {
                        let failure = DeliveryFailure(code: .smtpProvider, text: "\(error)", provider: provider.name)
                        provider.takeDown(failure)
                        self.logger.error(
                            "provider is not usable; it is skipped until it recovers",
                            metadata: ["provider": "\(provider.name)", "error": "\(error)"]
                        )
                    }
                }
            }
        }
    }

    /// Closes every provider's connections.
    public func shutdown() async {
        for provider in providers { await provider.pool.shutdown() }
    }

    public func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        await deliverNamingProvider(request).outcome
    }

    /// Delivers by the strategy; the provider named is the one whose answer decided the outcome
    /// (`nil` when the email could not be composed or every provider is down).
    public func deliverNamingProvider(_ request: DeliveryRequest) async -> (outcome: DeliveryOutcome, provider: String?) {
        var lastFailure: DeliveryFailure?
        // Composed once per attempt: every candidate gets the same bytes, unless the sender is a
        // provider's default From and the next candidate's differs.
        var composed: (from: EmailAddress?, message: ComposedMessage)?
        let first = firstCandidate(pinned: request.pinnedProvider)
        for rank in providers.indices {
            let index = candidate(rank, first: first)
            let provider = providers[index]
            // Composed before asking the breaker, so that a failure here never leaves a probe open.
            let message: ComposedMessage
            if let composed, request.hasSender || composed.from == provider.defaultFrom {
                message = composed.message
            } else {
                do {
                    message = try request.compose(defaultFrom: provider.defaultFrom)
                } catch {
                    return (.fail(DeliveryFailure(code: .composeFailed, text: "\(error.code.name): \(error.message)"), recipients: []), nil)
                }
                composed = (provider.defaultFrom, message)
            }
            guard provider.permitsAttempt() else { continue }
            await provider.waitForSlot()
            let start = ContinuousClock.now
            do {
                let result = try await provider.pool.send(message, envelope: SMTPEnvelope(sender: message.from, recipients: request.recipients))
                let outcome = settle(result, request: request, provider: provider)
                provider.metrics.recordAttempt(ProviderMetrics.Outcome(outcome), duration: .now - start)
                return (outcome, provider.name)
            } catch {
                let failure = report(error, provider: provider)
                if error.kind == .provider || error.code == .serviceNotAvailable {
                    // The provider's own fault (or it is closing sessions): the next provider, at once.
                    provider.metrics.recordAttempt(.providerError, duration: .now - start)
                    if provider.recordProviderFailure(failure) {
                        logger.warning("provider is down", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
                    }
                    lastFailure = failure
                    continue
                }
                provider.recordRefusal(failure)
                provider.metrics.recordAttempt(error.kind == .permanent ? .failed : .deferred, duration: .now - start)
                if error.kind == .permanent {
                    return (.fail(failure, recipients: []), provider.name)
                }
                return (.retry(failure, recipients: [], delay: nil, provider: pinAfterTemporaryFailure(request, provider: index)), provider.name)
            }
        }
        let failure = lastFailure ?? DeliveryFailure(code: .noProvider, text: "every provider is down or paused; waiting for one to be usable")
        return (.retry(failure, recipients: [], delay: nil, provider: nil), failure.provider)
    }

    // MARK: - Choosing providers

    /// The provider to try first.
    private func firstCandidate(pinned: Int?) -> Int {
        switch configuration.strategy {
        case .failover: pinned.map { (($0 % providers.count) + providers.count) % providers.count } ?? 0
        case .balance: nextBalanced()
        }
    }

    /// The provider to try at `rank` (0 first), without making a list: under failover the ones after
    /// `first` in turn, under balance `first` and then the others in configuration order.
    private func candidate(_ rank: Int, first: Int) -> Int {
        switch configuration.strategy {
        case .failover: (first + rank) % providers.count
        case .balance: rank == 0 ? first : (rank - 1 < first ? rank - 1 : rank)
        }
    }

    /// Smooth weighted round-robin over the providers that are up.
    private func nextBalanced() -> Int {
        let up = providers.map(\.isUp)
        return balance.withLock { current in
            var total = 0
            var best: Int?
            for (index, provider) in providers.enumerated() where up[index] || !up.contains(true) {
                let weight = max(1, provider.configuration.weight)
                current[index] += weight
                total += weight
                if best == nil || current[index] > current[best!] { best = index }
            }
            current[best!] -= total
            return best!
        }
    }

    /// Under failover, where the email's next attempt goes after a temporary failure at `provider`.
    private func pinAfterTemporaryFailure(_ request: DeliveryRequest, provider: Int) -> Int? {
        guard case .failover(let limit) = configuration.strategy else { return nil }
        if limit > 0 && request.attempt % limit == 0 {
            return (provider + 1) % providers.count
        }
        return provider
    }

    // MARK: - Outcomes

    private func settle(_ result: SMTPDeliveryResult, request: DeliveryRequest, provider: SMTPProvider) -> DeliveryOutcome {
        let outcomes = result.recipients.map { recipient -> RecipientResult in
            switch recipient.outcome {
            case .accepted(let reply):
                return RecipientResult(address: recipient.recipient.address, accepted: true, code: reply.code, reply: Self.text(reply))
            case .failed(let error):
                return RecipientResult(
                    address: recipient.recipient.address, accepted: false,
                    code: error.reply?.code ?? 0, reply: error.reply.map(Self.text) ?? error.message
                )
            }
        }
        let accepted = result.recipients.count(where: \.isAccepted)
        if accepted > 0 {
            provider.recordSuccess()
        }
        let isUnsettled = { (recipient: SMTPRecipientResult) in !recipient.isAccepted && recipient.failure?.kind != .permanent }
        guard let first = result.recipients.first(where: isUnsettled)?.failure else {
            if accepted == 0 {
                let failure = DeliveryFailure(
                    code: .smtpPermanent,
                    text: "every recipient was refused: \(outcomes.map { "\($0.address) \($0.code) \($0.reply)" }.joined(separator: "; "))",
                    provider: provider.name
                )
                provider.recordRefusal(failure)
                return .fail(failure, recipients: outcomes)
            }
            return .sent(outcomes)
        }
        let failure = DeliveryFailure(
            code: first.kind == .provider ? .smtpProvider : .smtpTemporary,
            text: "\(result.recipients.count(where: isUnsettled)) recipient(s) not yet accepted: \(first.message)",
            provider: provider.name
        )
        if accepted == 0 { provider.recordRefusal(failure) }
        let pin = first.kind == .provider ? (provider.index + 1) % providers.count : pinAfterTemporaryFailure(request, provider: provider.index)
        return .retry(failure, recipients: outcomes, delay: first.kind == .provider && providers.count > 1 ? .zero : nil, provider: pin)
    }

    private func report(_ error: SMTPError, provider: SMTPProvider) -> DeliveryFailure {
        let code: DeliveryFailure.Code =
            switch error.kind {
            case .temporary: .smtpTemporary
            case .permanent: .smtpPermanent
            case .provider: .smtpProvider
            }
        return DeliveryFailure(code: code, text: "\(error.code): \(error.message)", provider: provider.name)
    }

    /// A reply as stored per recipient: enhanced status code and text.
    private static func text(_ reply: SMTPReply) -> String {
        guard let code = reply.enhancedStatusCode else { return reply.text }
        return code.description + " " + reply.text
    }
}
