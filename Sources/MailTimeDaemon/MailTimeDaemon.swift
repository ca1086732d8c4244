import Configuration
import Logging
import MailTimeBroker
import Metrics
import Prometheus
import ServiceLifecycle

/// `mailtimed`: the MailTime broker.
///
/// Configuration comes from, highest first: command-line flags (`--listen-port 7600`), environment
/// variables (`MAILTIME_LISTEN_PORT=7600`), and a JSON file named by `--config` or `MAILTIME_CONFIG`
/// (`{"listen": {"port": 7600}}`). Every key has a default; see README.md for the list.
///
/// With `metrics.port` set, metrics go to swift-prometheus and are served at `GET /metrics` on
/// `metrics.host` (default 127.0.0.1); without it no metrics are kept.
@main
enum MailTimeDaemon {
    static func main() async throws {
        let commandLine = CommandLineArgumentsProvider(secretsSpecifier: .dynamic { key, _ in key.contains("token") })
        let environment = EnvironmentVariablesProvider(secretsSpecifier: .dynamic { key, _ in key.contains("TOKEN") })
            .prefixKeys(with: "mailtime")
        var providers: [any ConfigProvider] = [commandLine, environment]
        let bootstrap = ConfigReader(providers: providers)
        if let file = bootstrap.string(forKey: "config") {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(file)))
        }
        let config = ConfigReader(providers: providers)

        let level = Logger.Level(rawValue: config.string(forKey: "log.level", default: "info")) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mailtimed")

        let configuration: BrokerConfiguration
        let metricsPort: Int?
        do {
            configuration = try BrokerConfiguration(config)
            metricsPort = try config.int(forKey: "metrics.port").map { port in
                guard (0...65_535).contains(port) else { throw BrokerConfigurationError("metrics.port must be 0…65535, not \(port)") }
                return port
            }
        } catch {
            logger.critical("invalid configuration", metadata: ["error": "\(error)"])
            throw error
        }
        var services: [any Service] = []
        if let port = metricsPort {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            // Listed first, so it stops last: the broker's drain can still be watched.
            services.append(
                MetricsServer(host: config.string(forKey: "metrics.host", default: "127.0.0.1"), port: port, logger: logger) {
                    registry.emitToBuffer()
                }
            )
        }
        let broker: Broker
        do {
            broker = try Broker(configuration: configuration, logger: logger)
        } catch {
            logger.critical("the broker cannot start", metadata: ["error": "\(error)"])
            throw error
        }
        services.append(contentsOf: broker.services)
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = broker.shutdownGracePeriod
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
