import ArgumentParser

/// `mailtimed`'s command line: `--help`, `--version`, `--config`, `--print-config`, and the settings
/// (`--KEY VALUE`), which ``DaemonSettings`` reads and checks against ``SettingDefinition/all``.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailtimed",
        abstract: "The MailTime broker: a durable mail queue with embedded SMTP senders, over TLS.",
        discussion: SettingDefinition.helpText,
        version: "mailtimed 0.1.0 (protocol mailtime 1)"
    )

    @Option(name: .long, help: ArgumentHelp("A JSON configuration file (or MAILTIME_CONFIG).", valueName: "file"))
    var config: String?

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration as JSON, secrets redacted, and exit.")
    var printConfig = false

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings, e.g. --listen-port 7600 (listed below).", valueName: "--KEY VALUE"))
    var settings: [String] = []
}
