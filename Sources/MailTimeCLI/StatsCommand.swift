import ArgumentParser
import MailTimeClient

/// `mailtime stats`: prints the broker's statistics, as a table or, with `--json`, the broker's JSON.
struct StatsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the queue's statistics: emails in each state, the oldest ready one's age, paused, connections."
    )

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        let stats = try await client.stats()
        printOutput(json: stats.json, text: stats.textLines)
    }
}
