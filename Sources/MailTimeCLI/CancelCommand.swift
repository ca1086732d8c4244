import ArgumentParser
import MailTimeClient

/// `mailtime cancel ID`: prints `CANCELLED` or `CANCEL_REQUESTED`.
struct CancelCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel an email: prints CANCELLED, or CANCEL_REQUESTED when a sender holds it."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        printLine(try await client.cancel(id).rawValue)
    }
}
