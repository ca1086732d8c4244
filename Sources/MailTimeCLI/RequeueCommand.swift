import ArgumentParser
import MailTimeClient

/// `mailtime requeue ID|--failed|CONDITIONS`: prints how many emails went back in the queue.
struct RequeueCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract:
            "Put a failed or cancelled email, every failed one, or every failed or cancelled one matching conditions, back in the queue; prints how many."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The email's id.") var id: String?
    @Flag(help: "Requeue every failed email.") var failed = false
    @Option(help: "With conditions: only emails in this state (failed or cancelled).") var state: String?
    @OptionGroup var conditions: FilterOptions

    func validate() throws {
        let filtered = try !conditions.filter(state: state).isEmpty
        guard [id != nil, failed, filtered].filter({ $0 }).count == 1 else {
            throw ValidationError("give an id, --failed, or conditions")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        if let id {
            printLine(String(try await client.requeue(id: id)))
        } else if failed {
            printLine(String(try await client.requeueFailed()))
        } else {
            // Checked by validate().
            printLine(String(try await client.requeue(where: (try? conditions.filter(state: state)) ?? EmailFilter())))
        }
    }
}
