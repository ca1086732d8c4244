import ArgumentParser
import MailTimeClient

/// `mailtime stats`: prints the broker's statistics as its JSON.
struct StatsCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print the queue's statistics (JSON).")

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        printLine(try await client.stats().json)
    }
}
