import ArgumentParser
import MailTimeClient

/// `mailtime status ID`: prints where the email stands, as `key: value` lines or, with `--json`, the
/// broker's JSON.
struct StatusCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Print where an email stands.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        let status = try await client.status(id)
        printOutput(json: status.json, text: status.textLines)
    }
}
