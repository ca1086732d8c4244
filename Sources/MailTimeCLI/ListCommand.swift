import ArgumentParser
import MailTimeClient
import MailTimeModel

/// `mailtime list [STATE] [conditions]`: prints one job per line: id, state, attempts and last error
/// code or, with `--json`, the broker's JSON.
struct ListCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the jobs in a state and/or matching conditions, one per line (id, state, attempts, last error code), in id order."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "scheduled, ready, leased, sent, failed or cancelled (optional with conditions).") var state: String?
    @OptionGroup var conditions: FilterOptions
    @Option(help: "Start after this id (the last one of the previous page).") var after: String?
    @Option(help: "At most this many (1-1000).") var limit = 100

    func validate() throws {
        if let state, JobState(name: state.lowercased()) == nil {
            throw ValidationError("the state is one of \(JobState.allCases.map(\.name).joined(separator: ", "))")
        }
        _ = try conditions.filter(state: state?.lowercased())
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        // Checked by validate().
        let filter = (try? conditions.filter()) ?? EmailFilter()
        let jobs: [JobStatus]
        if let state, filter.isEmpty {
            jobs = try await client.list(state: JobState(name: state.lowercased())!, after: after, limit: limit)
        } else {
            var filter = filter
            filter.state = state.flatMap { JobState(name: $0.lowercased()) }
            jobs = try await client.list(filter, after: after, limit: limit)
        }
        for job in jobs {
            printOutput(json: job.json, text: [job.listLine])
        }
    }
}
