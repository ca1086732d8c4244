import MailTimeJSON
import ArgumentParser
import Foundation
import MailTimeClient
import MailTimeMessage

/// `mailtime send`: queues one email, described by flags or as a JSON file, and prints its id alone
/// (scripts read it), in both output modes.
struct SendCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue an email, from flags or a JSON file (protocol.md); prints its id."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Send this JSON email (protocol.md, SEND) as it is; - reads stdin.", valueName: "file|-"))
    var file: String?

    /// The `--file` email, read and checked by `validate()` before connecting (stdin is read once).
    var payload: [UInt8]?

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

    mutating func validate() throws {
        let composes =
            from != nil || !to.isEmpty || !cc.isEmpty || !bcc.isEmpty || subject != nil || text != nil
            || html != nil || !header.isEmpty || !tag.isEmpty || sendAt != nil || idempotencyKey != nil || priority != nil
        if file != nil, composes {
            throw ValidationError("--file sends the file as it is: give it alone")
        }
        if file == nil, to.isEmpty, cc.isEmpty, bcc.isEmpty {
            throw ValidationError("give --to (or --cc, --bcc), or --file")
        }
        for field in header where !field.contains(":") {
            throw ValidationError("--header takes \"Name: value\", not \(field)")
        }
        // A malformed email is refused before connecting, with the code the broker would give.
        if let file {
            payload = try Self.read(file)
        } else {
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
        if let payload {
            result = try await client.send(payload)
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
        if result.isDuplicate, !connection.json {
            let note = "(duplicate) the idempotency key was seen before: this is the first email's id\n"
            FileHandle.standardError.write(Data(note.utf8))
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

    /// The bytes of `--file` (stdin for `-`), checked to be JSON: an `.eml` message is refused, saying why.
    private static func read(_ path: String) throws -> [UInt8] {
        let bytes: [UInt8]
        if path == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else if let data = FileManager.default.contents(atPath: path) {
            bytes = Array(data)
        } else {
            throw ValidationError("cannot read \(path)")
        }
        do throws(JSONParser.SyntaxError) {
            _ = try JSONParser.parse(bytes)
        } catch {
            let message =
                "\(path == "-" ? "stdin" : path) is not JSON (\(error)): the protocol takes an email as a JSON "
                + "object (protocol.md, SEND), not an RFC 5322 (.eml) message"
            FileHandle.standardError.write(Data("error: \(MailTimeClientError.Code.invalidJSON) \(message)\n".utf8))
            throw ExitCode(1)
        }
        return bytes
    }
}
