import ArgumentParser
import Foundation
import MailTimeClient
import MailTimeMessage

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
        // A malformed email is refused before connecting, with the code the broker would give.
        if json == nil {
            do throws(EmailValidationError) {
                _ = try email()
            } catch {
                FileHandle.standardError.write(Data("error: \(error.code.name) \(error.message)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    func run(with client: MailTimeClient) async throws(MailTimeClientError) {
        let result: SendResult
        if let json {
            result = try await client.send(try Self.read(json))
        } else {
            let email: Email
            do throws(EmailValidationError) {
                email = try self.email()
            } catch {
                throw MailTimeClientError(.invalidRequest, error.description)  // validate() refused it already
            }
            result = try await client.send(email)
        }
        printLine(result.id)
        if result.isDuplicate {
            FileHandle.standardError.write(Data("duplicate: the idempotency key was seen before; nothing new was queued\n".utf8))
        }
    }

    /// The email the flags describe; addresses and the send time are checked here, the rest by the broker.
    private func email() throws(EmailValidationError) -> Email {
        Email(
            from: try from.map { text throws(EmailValidationError) in try EmailAddress(parsing: text, field: "from") },
            to: try Self.addresses(to, field: "to"),
            cc: try Self.addresses(cc, field: "cc"),
            bcc: try Self.addresses(bcc, field: "bcc"),
            subject: subject,
            text: text,
            html: html,
            headers: header.map { field in
                let name = field.prefix { $0 != ":" }
                return Email.Header(name: String(name), value: String(field.dropFirst(name.count + 1).drop { $0 == " " }))
            },
            sendAt: try sendAt.map(Self.milliseconds),
            idempotencyKey: idempotencyKey,
            priority: priority ?? Email.defaultPriority,
            tags: tag
        )
    }

    /// The addresses of a repeatable flag; errors name them as the broker would, `to[1]`.
    private static func addresses(_ texts: [String], field: String) throws(EmailValidationError) -> [EmailAddress] {
        var addresses: [EmailAddress] = []
        for (index, text) in texts.enumerated() {
            addresses.append(try EmailAddress(parsing: text, field: "\(field)[\(index)]"))
        }
        return addresses
    }

    /// `--send-at` in Unix milliseconds: given so, or as an RFC 3339 time.
    private static func milliseconds(_ sendAt: String) throws(EmailValidationError) -> Int64 {
        guard let milliseconds = Int64(sendAt) ?? RFC3339Time.millisecondsSince1970(sendAt) else {
            throw EmailValidationError(
                .invalidSendAt, "send_at: must be an RFC 3339 time like \"2026-12-01T10:00:00Z\" or Unix milliseconds"
            )
        }
        return milliseconds
    }

    private static func read(_ path: String) throws(MailTimeClientError) -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MailTimeClientError(.invalidRequest, "cannot read \(path)")
        }
        return Array(data)
    }
}
