import Configuration
import Logging
import MailTimeBroker
import ServiceLifecycle

/// `mailtimed`: the MailTime broker.
///
/// Configuration comes from, highest first: command-line flags (`--listen-port 7600`), environment
/// variables (`MAILTIME_LISTEN_PORT=7600`), and a JSON file named by `--config` or `MAILTIME_CONFIG`
/// (`{"listen": {"port": 7600}}`). Every key has a default; see README.md for the list.
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
        do {
            configuration = try BrokerConfiguration(config)
        } catch {
            logger.critical("invalid configuration", metadata: ["error": "\(error)"])
            throw error
        }
        let server = BrokerServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [server],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
