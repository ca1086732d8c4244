import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import NIOCore

/// Turns a `SEND` payload into a job: validates the email, fills in the default sender, checks the
/// sender's domain against the token's, checks `send_at`, gives the email its Message-ID (kept across
/// attempts and providers), and stores the result in its canonical JSON form.
struct EmailIntake: Sendable {
    let limits: Email.Limits
    let defaultFrom: EmailAddress?
    let maximumSendAhead: Duration
    let clock: QueueClock
    let foldsEveryEmail: Bool
    let foldingWindow: Duration

    init(configuration: BrokerConfiguration, clock: QueueClock) throws(BrokerConfigurationError) {
        limits = Email.Limits(maximumSize: configuration.maximumEmailSize)
        maximumSendAhead = configuration.maximumSendAhead
        self.clock = clock
        foldsEveryEmail = configuration.foldsEveryEmail
        foldingWindow = configuration.folding.window
        if let from = configuration.defaultFrom {
            do {
                defaultFrom = try EmailAddress(from)
            } catch {
                throw BrokerConfigurationError("the default sender is not valid: \(error.message)")
            }
        } else {
            defaultFrom = nil
        }
    }

    /// The job for `payload`, sent with a token that may send from `allowedSenderDomains` (`nil`: any).
    func job(from payload: ByteBuffer, allowedSenderDomains: [String]? = nil) throws(ProtocolError) -> NewJob {
        // Parsed where the payload lies, without copying it out first.
        let decoded = payload.withUnsafeReadableBytes { bytes in
            Result { () throws(EmailValidationError) in try Email(json: bytes, limits: limits) }
        }
        var email: Email
        do {
            email = try decoded.get()
        } catch {
            throw ProtocolError(error)
        }
        if email.from == nil { email.from = defaultFrom }
        guard let from = email.from else {
            throw ProtocolError(.noSender, "from: the email has no sender and the broker has no default sender")
        }
        if let allowedSenderDomains, !allowedSenderDomains.contains(from.domain.lowercased()) {
            throw ProtocolError(
                .senderNotAllowed,
                "from: the token may not send from \(from.domain); it may send from \(allowedSenderDomains.joined(separator: ", "))"
            )
        }
        var notBefore: Timestamp?
        if let sendAt = email.sendAt {
            let time = Timestamp(millisecondsSince1970: sendAt)
            guard time <= clock.now() + maximumSendAhead else {
                throw ProtocolError(
                    .invalidSendAt,
                    "send_at: at most \(maximumSendAhead.milliseconds / 86_400_000) days ahead"
                )
            }
            notBefore = time
        }
        if email.messageID == nil {
            email.messageID = Email.generateMessageID(domain: from.domain)
        }
        // A foldable email waits out the window for others to the same recipient. One scheduled
        // for later never folds into an earlier one.
        var foldKey: String?
        let recipients = email.recipients
        if email.fold || foldsEveryEmail, recipients.count == 1, notBefore.map({ $0 <= clock.now() }) ?? true {
            foldKey = recipients[0].localPart + "@" + recipients[0].domain.lowercased()
            notBefore = clock.now() + foldingWindow
        }
        return NewJob(
            payload: email.jsonBytes(),
            priority: email.priority,
            notBefore: notBefore,
            idempotencyKey: email.idempotencyKey,
            foldKey: foldKey,
            attributes: JobAttributes(email)
        )
    }
}
