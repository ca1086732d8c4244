import ArgumentParser
import MailTimeClient

/// `mailtime cancel ID|CONDITIONS`: prints `CANCELLED` or `CANCEL_REQUESTED`, or how many were cancelled.
struct CancelCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract:
            "Cancel an email: prints CANCELLED, or CANCEL_REQUESTED when a sender holds it; with conditions, cancel every waiting or leased email matching them and print how many."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String?
    @Option(help: "With conditions: only emails in this state (scheduled, ready or leased).") var state: String?
    @OptionGroup var conditions: FilterOptions

    func validate() throws {
        guard (id != nil) != (try !conditions.filter(state: state).isEmpty) else {
            throw ValidationError("give an id or conditions")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        if let id {
            printLine(try await client.cancel(id).rawValue)
        } else {
            // Checked by validate().
            printLine(String(try await client.cancel(where: (try? conditions.filter(state: state)) ?? EmailFilter())))
        }
    }
}
