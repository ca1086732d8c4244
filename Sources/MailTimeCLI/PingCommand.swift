import ArgumentParser
import MailTimeClient

/// `mailtime ping`: checks that the broker answers and the token works.
struct PingCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Check that the broker answers; prints PONG.")

    @OptionGroup var connection: ConnectionOptions

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        try await client.ping()
        printLine("PONG")
    }
}
