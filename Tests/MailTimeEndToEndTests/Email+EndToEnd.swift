import MailTimeMessage

extension Email {
    /// Email `number` of a test run: a short text from app@example.com to `recipients`, with a Message-ID
    /// of its own (``endToEndMessageID(_:run:)``) so that a sink can tell which email arrived, and an
    /// idempotency key, so that a SEND repeated after a lost reply queues nothing new.
    static func numbered(_ number: Int, run: String, to recipients: [String] = ["ann@example.org"]) throws -> Email {
        Email(
            from: try EmailAddress("app@example.com"),
            to: try recipients.map { try EmailAddress($0) },
            subject: "End-to-end \(number)",
            text: "Email \(number) of run \(run).",
            idempotencyKey: "\(run)-\(number)",
            messageID: endToEndMessageID(number, run: run)
        )
    }

    /// The Message-ID of email `number` of a test run.
    static func endToEndMessageID(_ number: Int, run: String) -> String {
        "<\(number).\(run)@e2e.example.com>"
    }
}
