import ArgumentParser
import MailTimeClient

/// `mailtime resume`: lets the broker's own senders take emails again.
struct ResumeCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let the broker's own senders take emails again.")

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        try await client.resume()
        printLine("RESUMED")
    }
}
