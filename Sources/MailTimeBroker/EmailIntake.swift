import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import NIOCore

/// Turns a `SEND` payload into a job: validates the email, fills in the default sender, checks
/// `send_at`, gives the email its Message-ID (kept across attempts and providers), and stores the
/// result in its canonical JSON form.
struct EmailIntake: Sendable {
    let limits: Email.Limits
    let defaultFrom: EmailAddress?
    let maximumSendAhead: Duration
    let clock: QueueClock

    init(configuration: BrokerConfiguration, clock: QueueClock) throws(BrokerConfigurationError) {
        limits = Email.Limits(maximumSize: configuration.maximumEmailSize)
        maximumSendAhead = configuration.maximumSendAhead
        self.clock = clock
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

    func job(from payload: ByteBuffer) throws(ProtocolError) -> NewJob {
        var email: Email
        do {
            email = try Email(json: Array(payload.readableBytesView), limits: limits)
        } catch {
            throw ProtocolError(ProtocolError.Code(error.code.name), error.message)
        }
        if email.from == nil { email.from = defaultFrom }
        guard let from = email.from else {
            throw ProtocolError(.noSender, "from: the email has no sender and the broker has no default sender")
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
        return NewJob(
            payload: email.jsonBytes(),
            priority: email.priority,
            notBefore: notBefore,
            idempotencyKey: email.idempotencyKey
        )
    }
}
