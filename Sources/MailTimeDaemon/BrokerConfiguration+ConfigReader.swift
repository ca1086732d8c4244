import Configuration
import Foundation
import MailTimeBroker
import MailTimeDelivery
import MailTimeProtocol

extension BrokerConfiguration {
    /// Reads every setting from `config`, keeping the default where a key is absent.
    init(_ config: ConfigReader) throws {
        self.init()
        host = config.string(forKey: "listen.host", default: host)
        port = config.int(forKey: "listen.port", default: port)
        dataDirectory = config.string(forKey: "data.directory", default: dataDirectory)
        certificatePath = config.string(forKey: "tls.certificate")
        privateKeyPath = config.string(forKey: "tls.key")
        clientCAPath = config.string(forKey: "tls.client-ca")
        for role in BrokerRole.allCases {
            let values = config.stringArray(forKey: ConfigKey("tokens.\(role.rawValue)"), isSecret: true, default: [])
            if !values.isEmpty { tokens[role] = values }
        }
        defaultFrom = config.string(forKey: "default-from")

        maximumConnections = try positive(config.int(forKey: "limits.connections", default: maximumConnections), "limits.connections")
        idleTimeout = .seconds(try positive(config.int(forKey: "limits.idle-timeout-seconds", default: 300), "limits.idle-timeout-seconds"))
        handshakeTimeout = .seconds(
            try positive(config.int(forKey: "limits.handshake-timeout-seconds", default: 10), "limits.handshake-timeout-seconds")
        )
        maximumInFlight = try positive(config.int(forKey: "limits.inflight", default: maximumInFlight), "limits.inflight")
        maximumUnwrittenReplyBytes = try positive(
            config.int(forKey: "limits.unwritten-reply-bytes", default: maximumUnwrittenReplyBytes),
            "limits.unwritten-reply-bytes"
        )
        maximumTotalUnwrittenReplyBytes = try positive(
            config.int(forKey: "limits.total-unwritten-reply-bytes", default: maximumTotalUnwrittenReplyBytes),
            "limits.total-unwritten-reply-bytes"
        )
        maximumLineLength = try positive(config.int(forKey: "limits.line-length", default: maximumLineLength), "limits.line-length")
        maximumEmailSize = try positive(config.int(forKey: "limits.email-size", default: maximumEmailSize), "limits.email-size")

        senders = config.int(forKey: "senders", default: senders)
        guard senders >= 0 else { throw BrokerConfigurationError("senders must be 0 or more") }
        retryPolicy.minimumDelay = .seconds(config.int(forKey: "retry.min-delay-seconds", default: 30))
        retryPolicy.maximumDelay = .seconds(config.int(forKey: "retry.max-delay-seconds", default: 3600))
        retryPolicy.maximumAttempts = config.int(forKey: "retry.max-attempts", default: retryPolicy.maximumAttempts)
        retryPolicy.maximumAge = .seconds(config.int(forKey: "retry.max-age-seconds", default: 5 * 86_400))
        providers = try config.stringArray(forKey: "providers", default: []).map { specification in
            do {
                return try ProviderConfiguration(specification: specification, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw BrokerConfigurationError("providers: \(error)")
            }
        }
        let strategy = config.string(forKey: "strategy", default: "failover")
        switch strategy {
        case "failover":
            routing.strategy = .failover(
                temporaryFailuresBeforeNext: try positive(config.int(forKey: "failover.fails-to-next", default: 4), "failover.fails-to-next"))
        case "balance":
            routing.strategy = .balance
        default:
            throw BrokerConfigurationError("strategy must be failover or balance, not \(strategy)")
        }
        routing.failureThreshold = try positive(
            config.int(forKey: "circuit.failure-threshold", default: routing.failureThreshold), "circuit.failure-threshold")
        routing.coolDown = .milliseconds(try positive(config.int(forKey: "circuit.cool-down-ms", default: 10_000), "circuit.cool-down-ms"))
        foldsEveryEmail = config.bool(forKey: "folding.enabled", default: false)
        folding.window = .seconds(try positive(config.int(forKey: "folding.window-seconds", default: 60), "folding.window-seconds"))
        folding.subject = config.string(forKey: "folding.subject", default: folding.subject)
        folding.delimiter = config.string(forKey: "folding.delimiter", default: folding.delimiter)
        leaseVisibility = .seconds(try positive(config.int(forKey: "lease-visibility-seconds", default: 60), "lease-visibility-seconds"))
        shutdownGracePeriod = .seconds(config.int(forKey: "shutdown.grace-seconds", default: 30))
        idempotencyWindow = .seconds(config.int(forKey: "idempotency-window-seconds", default: 86_400))
        historyRetention = .seconds(config.int(forKey: "history-retention-seconds", default: 7 * 86_400))
        let bodyRetentionSeconds = config.int(forKey: "history.body-retention-seconds", default: 86_400)
        guard bodyRetentionSeconds >= 0 else { throw BrokerConfigurationError("history.body-retention-seconds must be 0 or more") }
        bodyRetention = .seconds(bodyRetentionSeconds)
    }

    private func positive(_ value: Int, _ key: String) throws -> Int {
        guard value > 0 else { throw BrokerConfigurationError("\(key) must be positive, not \(value)") }
        return value
    }
}
