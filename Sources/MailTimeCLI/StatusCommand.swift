import ArgumentParser
import MailTimeClient

/// `mailtime status ID`: prints the email's status as the broker's JSON.
struct StatusCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Print where an email stands (JSON).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        printLine(try await client.status(id).json)
    }
}
