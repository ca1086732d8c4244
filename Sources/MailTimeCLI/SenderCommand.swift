import ArgumentParser
import Foundation
import Logging
import MailTimeClient
import MailTimeDelivery
import MailTimeMessage
import MailTimeSender

/// `mailtime sender`: a ``RemoteSender`` (it leases emails over the protocol and delivers them
/// through SMTP providers with the loop the broker's embedded senders run, until SIGTERM or SIGINT),
/// set up from the command line.
struct SenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sender",
        abstract: "Deliver the broker's emails through SMTP providers, until SIGTERM or Ctrl-C.",
        discussion: """
            Needs a worker or admin token. Each sender loop leases an email, sends it to the \
            recipients not yet settled, and reports the outcome, renewing the lease every third of \
            --visibility-seconds while the send lasts. A sender that loses a lease records nothing: \
            the email goes out again once the lease expires. When the connection to the broker \
            drops, it is reopened with backoff; the sends in flight go on, and outcomes that could \
            not be reported are kept and reported once reconnected, until their lease's deadline \
            (after it the broker hands the email out again).

            On SIGTERM or SIGINT the sender stops leasing, lets the sends in flight finish (for up \
            to 30 seconds) and exits with status 0.

            A provider is one line of key=value pairs separated by ";", as for mailtimed: \
            "name=main;host=smtp.example.com;port=587;tls=starttls-required;user=app;password-env=SMTP_PASSWORD". \
            Keys: name, host, port, tls (none, starttls-if-offered, starttls-required, implicit), \
            ca-file, server-name, user, password-env, auth, allow-plaintext-auth, max-connections, \
            rate, weight, default-from, helo.
            """
    )

    /// How emails are spread over the providers.
    enum Strategy: String, CaseIterable, ExpressibleByArgument {
        /// The first healthy provider; the next one after a provider failure or --fails-to-next temporary failures.
        case failover
        /// Weighted round-robin over the healthy providers.
        case balance
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("provider"), help: ArgumentHelp("An SMTP provider (repeatable; at least one).", valueName: "spec"))
    var providers: [String] = []

    @Option(help: "How emails are spread over the providers: failover or balance.")
    var strategy: Strategy = .failover

    @Option(help: ArgumentHelp("With failover, temporary failures on a provider before an email moves to the next.", valueName: "n"))
    var failsToNext = 4

    @Option(help: ArgumentHelp("How many emails are sent at once (sender loops).", valueName: "n"))
    var concurrency = 8

    @Option(help: ArgumentHelp("How long a lease lasts (1-3600); renewed every third of it during a send.", valueName: "seconds"))
    var visibilitySeconds = 60

    @Option(help: ArgumentHelp("The sender of emails that name none; without it, the provider's default-from.", valueName: "address"))
    var defaultFrom: String?

    func validate() throws {
        guard !providers.isEmpty else { throw ValidationError("give at least one --provider") }
        _ = try providerConfigurations()
        _ = try composer()
        guard failsToNext >= 1 else { throw ValidationError("--fails-to-next must be 1 or more") }
        guard (1...1000).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 1000") }
        guard (1...3600).contains(visibilitySeconds) else { throw ValidationError("--visibility-seconds must be from 1 to 3600") }
    }

    func run() async throws {
        let logger = connection.logger(level: .info)
        let clients: MailTimeClientPool
        do throws(MailTimeClientError) {
            // One connection: the client pipelines every sender loop's requests on it.
            clients = try connection.pool(size: 1, logger: logger)
        } catch {
            throw ExitCode.reporting(error)
        }
        do throws(MailTimeClientError) {
            try Self.checkRole(try await clients.client().role)
        } catch {
            await clients.close()
            throw ExitCode.reporting(error)
        }
        let router: ProviderRouter
        do {
            router = try ProviderRouter(providers: try providerConfigurations(), configuration: routing, logger: logger)
        } catch {
            await clients.close()
            throw ExitCode.reporting(MailTimeClientError(.invalidConfiguration, "cannot set up the providers: \(error)"))
        }
        let sender = RemoteSender(
            clients: clients,
            router: router,
            composer: try composer(),
            concurrency: concurrency,
            visibilitySeconds: visibilitySeconds,
            logger: logger
        )
        try await sender.run()
        await clients.close()
    }

    /// Refuses a token that cannot lease: a producer's.
    private static func checkRole(_ role: TokenRole) throws(MailTimeClientError) {
        guard role == .worker || role == .admin else {
            throw MailTimeClientError(.forbidden, "the token's role is \(role.rawValue); mailtime sender needs a worker or admin token")
        }
    }

    /// The `--provider` specifications, parsed; passwords come from the environment.
    private func providerConfigurations() throws -> [ProviderConfiguration] {
        let environment = ProcessInfo.processInfo.environment
        return try providers.map { specification in
            do throws(ProviderSpecificationError) {
                return try ProviderConfiguration(specification: specification, environment: environment)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The composer, with `--default-from` as the sender of emails that name none.
    private func composer() throws -> MessageComposer {
        do throws(EmailValidationError) {
            return MessageComposer(defaultFrom: try defaultFrom.map { address throws(EmailValidationError) in try EmailAddress(address) })
        } catch {
            throw ValidationError("--default-from: \(error.message)")
        }
    }

    /// The router's configuration from `--strategy` and `--fails-to-next`.
    private var routing: ProviderRouter.Configuration {
        switch strategy {
        case .failover: ProviderRouter.Configuration(strategy: .failover(temporaryFailuresBeforeNext: failsToNext))
        case .balance: ProviderRouter.Configuration(strategy: .balance)
        }
    }
}
