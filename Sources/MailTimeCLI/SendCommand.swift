import ArgumentParser
import Foundation
import MailTimeClient

/// `mailtime send`: queues one email and prints its id.
struct SendCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue an email, from flags or as JSON; prints its id."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Send this JSON email (protocol.md) as it is; - reads stdin.", valueName: "file|-"))
    var json: String?

    @Option(help: "The sender: addr@host or \"Name <addr@host>\".")
    var from: String?
    @Option(help: "A recipient (repeatable).")
    var to: [String] = []
    @Option(help: "A Cc recipient (repeatable).")
    var cc: [String] = []
    @Option(help: "A Bcc recipient (repeatable).")
    var bcc: [String] = []
    @Option(help: "The subject.")
    var subject: String?
    @Option(help: "The plain-text body.")
    var text: String?
    @Option(help: "The HTML body.")
    var html: String?
    @Option(help: ArgumentHelp("A custom header (repeatable).", valueName: "Name: value"))
    var header: [String] = []
    @Option(help: "A tag kept with the email (repeatable).")
    var tag: [String] = []
    @Option(help: ArgumentHelp("Not before this time: RFC 3339, or Unix milliseconds.", valueName: "time"))
    var sendAt: String?
    @Option(help: "A key that keeps a resend from being queued twice.")
    var idempotencyKey: String?
    @Option(help: "0-255; lower goes first (default 128).")
    var priority: UInt8?

    func validate() throws {
        let composes = from != nil || !to.isEmpty || !cc.isEmpty || !bcc.isEmpty || subject != nil || text != nil
            || html != nil || !header.isEmpty || !tag.isEmpty || sendAt != nil || idempotencyKey != nil || priority != nil
        if json != nil, composes {
            throw ValidationError("--json sends the file as it is: give it alone")
        }
        if json == nil, to.isEmpty, cc.isEmpty, bcc.isEmpty {
            throw ValidationError("give --to (or --cc, --bcc), or --json")
        }
        for field in header where !field.contains(":") {
            throw ValidationError("--header takes \"Name: value\", not \(field)")
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        let result: SendResult
        if let json {
            result = try await client.send(try Self.read(json))
        } else {
            result = try await client.send(email)
        }
        printLine(result.id)
        if result.isDuplicate {
            FileHandle.standardError.write(Data("duplicate: the idempotency key was seen before; nothing new was queued\n".utf8))
        }
    }

    private var email: OutgoingEmail {
        var email = OutgoingEmail(from: from, to: to, cc: cc, bcc: bcc, subject: subject, text: text, html: html)
        for field in header {
            let name = field.prefix { $0 != ":" }
            email.headers[String(name)] = String(field.dropFirst(name.count + 1).drop { $0 == " " })
        }
        email.tags = tag
        if let sendAt {
            email.sendAt = Int64(sendAt).map(OutgoingEmail.SendTime.unixMilliseconds) ?? .rfc3339(sendAt)
        }
        email.idempotencyKey = idempotencyKey
        email.priority = priority
        return email
    }

    private static func read(_ path: String) throws(MailTimeClientError) -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MailTimeClientError(.invalidRequest, "cannot read \(path)")
        }
        return Array(data)
    }
}
