import ArgumentParser
import MailTimeClient

/// `mailtime requeue ID|--failed`: prints how many emails went back in the queue.
struct RequeueCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Put a failed or cancelled email, or every failed one, back in the queue; prints how many."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String?
    @Flag(help: "Requeue every failed email.") var failed = false

    func validate() throws {
        guard (id != nil) != failed else {
            throw ValidationError("give an id or --failed")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        if let id {
            printLine(String(try await client.requeue(id: id)))
        } else {
            printLine(String(try await client.requeueFailed()))
        }
    }
}
