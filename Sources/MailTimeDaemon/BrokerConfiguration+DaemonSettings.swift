import Foundation
import MailTimeBroker
import MailTimeConsole
import MailTimeDelivery
import MailTimeProtocol
import MailTimeSMTPServer

extension BrokerConfiguration {
    /// The broker's configuration from the checked settings; throws ``DaemonFailure`` (status 78) for
    /// what only makes sense across keys or needs more than the key's type: a retry delay range, a
    /// provider specification, a provider's unset password variable.
    init(_ settings: DaemonSettings, environment: [String: String]) throws(DaemonFailure) {
        self.init()
        func integer(_ key: String) -> Int {
            guard let value = settings.integer(key) else { preconditionFailure("\(key) has a default") }
            return value
        }
        func text(_ key: String) -> String {
            guard let value = settings.text(key) else { preconditionFailure("\(key) has a default") }
            return value
        }
        host = text("listen.host")
        port = integer("listen.port")
        dataDirectory = text("data.directory")
        certificatePath = settings.text("tls.certificate")
        privateKeyPath = settings.text("tls.key")
        clientCAPath = settings.text("tls.client-ca")
        for role in BrokerRole.allCases {
            let values = settings.list("tokens.\(role.rawValue)")
            if !values.isEmpty { tokens[role] = values }
        }
        defaultFrom = settings.text("default-from")

        maximumConnections = integer("limits.connections")
        idleTimeout = .seconds(integer("limits.idle-timeout-seconds"))
        handshakeTimeout = .seconds(integer("limits.handshake-timeout-seconds"))
        maximumInFlight = integer("limits.inflight")
        maximumUnwrittenReplyBytes = integer("limits.unwritten-reply-bytes")
        maximumTotalUnwrittenReplyBytes = integer("limits.total-unwritten-reply-bytes")
        maximumLineLength = integer("limits.line-length")
        maximumEmailSize = integer("limits.email-size")

        if settings.boolean("submission.enabled") == true {
            submission.startTLS = SubmissionConfiguration.Address(host: text("submission.host"), port: integer("submission.port"))
        }
        if settings.boolean("submissions.enabled") == true {
            submission.implicitTLS = SubmissionConfiguration.Address(host: text("submissions.host"), port: integer("submissions.port"))
        }
        submission.trustedNetworks = settings.list("submission.trusted-networks")
        for network in submission.trustedNetworks {
            do {
                _ = try IPNetwork(network)
            } catch {
                throw .configuration("submission.trusted-networks: \(error)")
            }
        }
        submission.hostname = settings.text("submission.hostname")
        submission.maximumRecipients = integer("submission.max-recipients")
        submission.maximumErrors = integer("submission.max-errors")
        submission.maximumConnections = integer("submission.connections")
        submission.commandTimeout = .seconds(integer("submission.command-timeout-seconds"))
        submission.dataTimeout = .seconds(integer("submission.data-timeout-seconds"))
        if settings.boolean("console.enabled") == true {
            console = ConsoleConfiguration()
            console?.host = text("console.host")
            console?.port = integer("console.port")
        }

        senders = integer("senders")
        leaseVisibility = .seconds(integer("lease-visibility-seconds"))
        let minimumDelay = integer("retry.min-delay-seconds")
        let maximumDelay = integer("retry.max-delay-seconds")
        guard maximumDelay >= minimumDelay else {
            throw .configuration("retry.max-delay-seconds (\(maximumDelay)) must be at least retry.min-delay-seconds (\(minimumDelay))")
        }
        retryPolicy.minimumDelay = .seconds(minimumDelay)
        retryPolicy.maximumDelay = .seconds(maximumDelay)
        retryPolicy.maximumAttempts = integer("retry.max-attempts")
        retryPolicy.maximumAge = .seconds(integer("retry.max-age-seconds"))
        idempotencyWindow = .seconds(integer("idempotency-window-seconds"))
        historyRetention = .seconds(integer("history-retention-seconds"))
        bodyRetention = .seconds(integer("history.body-retention-seconds"))

        var providers: [ProviderConfiguration] = []
        for specification in settings.list("providers") {
            do {
                providers.append(try ProviderConfiguration(specification: specification, environment: environment))
            } catch {
                throw .configuration("providers: \(error)")
            }
        }
        self.providers = providers
        switch text("strategy") {
        case "balance": routing.strategy = .balance
        default: routing.strategy = .failover(temporaryFailuresBeforeNext: integer("failover.fails-to-next"))
        }
        routing.failureThreshold = integer("circuit.failure-threshold")
        routing.coolDown = .milliseconds(integer("circuit.cool-down-ms"))
        foldsEveryEmail = settings.boolean("folding.enabled") ?? false
        folding.window = .seconds(integer("folding.window-seconds"))
        folding.subject = text("folding.subject")
        folding.delimiter = text("folding.delimiter")
        shutdownGracePeriod = .seconds(integer("shutdown.grace-seconds"))
    }
}
