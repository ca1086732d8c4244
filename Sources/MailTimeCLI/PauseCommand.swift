import ArgumentParser
import MailTimeClient

/// `mailtime pause [--provider NAME]`: stops the broker's own senders taking new emails, or stops one provider.
struct PauseCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop the broker's own senders taking new emails, or, with --provider, stop sending through one provider."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Pause only this provider (its circuit held open until resumed).") var provider: String?

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        if let provider {
            try await client.pauseProvider(provider)
        } else {
            try await client.pause()
        }
        printLine("PAUSED")
    }
}
