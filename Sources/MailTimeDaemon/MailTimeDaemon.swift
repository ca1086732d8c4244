import ArgumentParser
import Foundation
import Logging
import MailTimeBroker
import Metrics
import Prometheus
import ServiceLifecycle

/// `mailtimed`: the MailTime broker.
///
/// The configuration comes from flags, environment variables and a JSON file (``DaemonSettings``), each
/// key defined once in ``SettingDefinition/all``. A problem at start-up ends the process with one line on
/// standard error, `mailtimed: <problem>`, and a sysexits(3) status (``DaemonFailure/Status``); a graceful
/// stop (SIGTERM, SIGINT) exits 0. Under systemd (`NOTIFY_SOCKET`) it reports `READY=1` once listening
/// and `STOPPING=1` when the drain begins.
///
/// With `metrics.port` set, metrics go to swift-prometheus and are served at `GET /metrics` on
/// `metrics.host` (default 127.0.0.1); without it no metrics are kept.
@main
enum MailTimeDaemon {
    static func main() async {
        let command: DaemonCommand
        do {
            command = try DaemonCommand.parse()
        } catch {
            // --help and --version end here, printing to standard output with status 0.
            guard !DaemonCommand.exitCode(for: error).isSuccess else { DaemonCommand.exit(withError: error) }
            exit(with: .configuration(DaemonCommand.message(for: error)))
        }
        do {
            try await run(command)
        } catch {
            exit(with: DaemonFailure(error))
        }
    }

    /// Writes `failure` as one line to standard error and exits with its status.
    private static func exit(with failure: DaemonFailure) -> Never {
        FileHandle.standardError.write(Data("mailtimed: \(failure.message)\n".utf8))
        Foundation.exit(failure.status.rawValue)
    }

    private static func run(_ command: DaemonCommand) async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings = try DaemonSettings(
            arguments: command.settings,
            environment: environment,
            file: try readConfigurationFile(command.config ?? environment[DaemonSettings.configEnvironmentVariable])
        )
        let configuration = try BrokerConfiguration(settings, environment: environment)

        let level = settings.text("log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mailtimed")
        for warning in settings.warnings { logger.warning("configuration warning", metadata: ["warning": "\(warning)"]) }
        if command.printConfig {
            print(settings.printedConfiguration)
            return
        }

        let notifier = SystemdNotifier(environment: environment, logger: logger)
        var services: [any Service] = []
        if let port = settings.integer("metrics.port") {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            // Listed first, so it stops last: the broker's drain can still be watched.
            services.append(
                MetricsServer(host: settings.text("metrics.host") ?? "127.0.0.1", port: port, logger: logger) {
                    registry.emitToBuffer()
                }
            )
        }
        let broker = try Broker(configuration: configuration, logger: logger) { _ in notifier?.notify("READY=1") }
        services.append(contentsOf: broker.services)
        // Last, so that it is the first told of a graceful shutdown.
        if let notifier { services.append(notifier) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = broker.shutdownGracePeriod
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The configuration file's path and contents; nil without a path.
    private static func readConfigurationFile(_ path: String?) throws(DaemonFailure) -> (path: String, contents: [UInt8])? {
        guard let path else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DaemonFailure(status: .unreadableInput, message: "cannot read the configuration file \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return (path, [UInt8](try handle.readToEnd() ?? Data()))
        } catch {
            throw DaemonFailure(status: .unreadableInput, message: "cannot read the configuration file \(path): \(error.localizedDescription)")
        }
    }
}
