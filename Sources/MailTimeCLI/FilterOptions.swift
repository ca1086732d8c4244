import ArgumentParser
import MailTimeClient

/// The conditions of `list`, `requeue`, `cancel` and `purge`: options for each kind, and `--where`
/// for conditions written as the protocol writes them. Every condition must hold.
struct FilterOptions: ParsableArguments {
    @Option(help: "Emails to this recipient (to, cc or bcc; any case).") var recipient: String?
    @Option(help: "Emails to a recipient in this domain (any case).") var domain: String?
    @Option(help: "Emails from this sender (any case).") var sender: String?
    @Option(help: "Emails with this tag.") var tag: String?
    @Option(help: "Emails whose last error named this provider.") var provider: String?
    @Option(help: "Emails whose last error has this code (SMTP_TEMPORARY, SMTP_PERMANENT, ...).") var errorCode: String?
    @Option(help: "Emails created at or after this time (Unix milliseconds).") var createdFrom: Int64?
    @Option(help: "Emails created before this time (Unix milliseconds).") var createdTo: Int64?
    @Option(
        name: .customLong("where"),
        help:
            "A condition key=value as protocol.md writes it (state, recipient, domain, sender, tag, provider, error-code, created-from, created-to); repeatable."
    )
    var conditions: [String] = []

    /// The conditions as one filter, with `state` when given.
    func filter(state: String? = nil) throws -> EmailFilter {
        var words = conditions
        let options: [(String, String?)] = [
            ("state", state), ("recipient", recipient), ("domain", domain), ("sender", sender), ("tag", tag), ("provider", provider),
            ("error-code", errorCode), ("created-from", createdFrom.map(String.init)), ("created-to", createdTo.map(String.init)),
        ]
        for case (let key, let value?) in options { words.append("\(key)=\(value)") }
        do {
            return try EmailFilter(conditions: words, command: "mailtime")
        } catch {
            throw ValidationError(error.message)
        }
    }
}
