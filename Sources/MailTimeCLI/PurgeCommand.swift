import ArgumentParser
import MailTimeClient

/// `mailtime purge CONDITIONS`: prints how many emails were deleted.
struct PurgeCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete every sent, failed or cancelled email matching the conditions (at least one); prints how many."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only emails in this state (sent, failed or cancelled).") var state: String?
    @OptionGroup var conditions: FilterOptions

    func validate() throws {
        guard try !conditions.filter(state: state).isEmpty else {
            throw ValidationError("give at least one condition")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        // Checked by validate().
        printLine(String(try await client.purge(where: (try? conditions.filter(state: state)) ?? EmailFilter())))
    }
}
