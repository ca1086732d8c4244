import ArgumentParser
import MailTimeClient

/// `mailtime events`: prints `EVENT <json>` lines as they happen, until interrupted.
struct EventsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the broker's events as they happen (EVENT <json> lines) until Ctrl-C."
    )

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        for try await event in try await client.events() {
            printLine("EVENT " + event.json)
        }
    }
}
