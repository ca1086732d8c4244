import ArgumentParser
import MailTimeClient
import MailTimeModel

/// `mailtime list STATE`: prints one job per line: id, state, attempts and last error code or, with
/// `--json`, the broker's JSON.
struct ListCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the jobs in a state, one per line (id, state, attempts, last error code), in id order."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "scheduled, ready, leased, sent, failed or cancelled.") var state: String
    @Option(help: "Start after this id (the last one of the previous page).") var after: String?
    @Option(help: "At most this many (1-1000).") var limit = 100

    func validate() throws {
        guard JobState(name: state.lowercased()) != nil else {
            throw ValidationError("the state is one of \(JobState.allCases.map(\.name).joined(separator: ", "))")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        for job in try await client.list(state: JobState(name: state.lowercased())!, after: after, limit: limit) {
            printOutput(json: job.json, text: [job.listLine])
        }
    }
}
