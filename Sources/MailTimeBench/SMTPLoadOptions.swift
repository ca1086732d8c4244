import ArgumentParser

/// The load the SMTP benchmarks (`smtp`, `submission`) send: how many messages, how large, and the
/// client's event loop threads.
struct SMTPLoadOptions: ParsableArguments {
    @Option(help: "Messages to send.")
    var messages = 20_000

    @Option(help: "Message size in bytes.")
    var size = 2048

    @Option(help: "Event loop threads for the client.")
    var threads = 1

    func validate() throws {
        if messages < 1 || size < 1 || threads < 1 { throw ValidationError("--messages, --size and --threads must be positive") }
    }
}
