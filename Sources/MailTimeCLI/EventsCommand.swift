import ArgumentParser
import MailTimeClient

/// `mailtime events`: prints one line per event as it happens, until interrupted: `<time> <event> <id> <detail>`
/// or, with `--json`, the event's JSON.
struct EventsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the broker's events as they happen, one per line, until Ctrl-C."
    )

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        for try await event in try await client.events() {
            printOutput(json: event.json, text: [event.textLine])
        }
    }
}
