import ArgumentParser
import MailTimeClient

/// `mailtime pause`: stops the broker's own senders taking new emails.
struct PauseCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop the broker's own senders taking new emails.")

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        try await client.pause()
        printLine("PAUSED")
    }
}
