import ArgumentParser

/// `mailtime-bench`: MailTime's benchmarks. Each prints a table, or JSON lines with `--json`.
@main
struct MailTimeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailtime-bench",
        abstract: "Measures MailTime's parts against their peers.",
        subcommands: [
            StoreBenchmark.self, SearchBenchmark.self, TLSBenchmark.self, SendBenchmark.self, SMTPBenchmark.self, SubmissionBenchmark.self,
            EndToEndBenchmark.self,
        ]
    )
}
