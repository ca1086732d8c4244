import ArgumentParser
import MailTimeClient

/// `mailtime resume [--provider NAME]`: lets the broker's own senders take emails again, or one provider be used again.
struct ResumeCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Let the broker's own senders take emails again, or, with --provider, let a paused provider be used again."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Resume only this provider.") var provider: String?

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        if let provider {
            try await client.resumeProvider(provider)
        } else {
            try await client.resume()
        }
        printLine("RESUMED")
    }
}
