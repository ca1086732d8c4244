import Logging
import MailTimeProtocol
import MailTimeQueue
import MailTimeSMTP
import MailTimeSMTPServer
import Metrics

/// The broker behind its SMTP submission listeners: a login is a producer or admin token as the
/// password, and each message becomes one job, on disk (the queue's group commit) before the
/// listener answers `250 2.0.0 <id> queued`.
struct SubmissionReceiver: SMTPServerDelegate {
    let queue: MailQueue
    let intake: SubmissionIntake
    let authenticator: TokenAuthenticator
    /// Wakes an idle embedded sender for a message that is due.
    let control: DeliveryControl
    /// The host name written in the `Received` field.
    let hostname: String
    let logger: Logger
    private let queued = Counter(label: "mailtime_submissions_total", dimensions: [("outcome", "queued")])
    private let refused = Counter(label: "mailtime_submissions_total", dimensions: [("outcome", "refused")])
    private let deferred = Counter(label: "mailtime_submissions_total", dimensions: [("outcome", "deferred")])

    init(
        queue: MailQueue, intake: SubmissionIntake, authenticator: TokenAuthenticator, control: DeliveryControl, hostname: String,
        logger: Logger
    ) {
        self.queue = queue
        self.intake = intake
        self.authenticator = authenticator
        self.control = control
        self.hostname = hostname
        self.logger = logger
    }

    /// The listener logs each login, accepted or refused, with its user name.
    func authenticate(username: String, password: String, session: SMTPServerSession) async -> SMTPServerIdentity? {
        guard let grant = authenticator.grant(for: password), grant.role == .producer || grant.role == .admin else { return nil }
        return SMTPServerIdentity(username: username, allowedSenderDomains: grant.allowedSenderDomains)
    }

    func receive(_ transaction: SMTPServerTransaction, session: SMTPServerSession) async -> SMTPServerVerdict {
        let context = SubmissionContext(
            clientName: session.heloName ?? session.remoteAddress,
            clientAddress: session.remoteAddress,
            isExtended: session.isExtended,
            isTLS: session.isTLS,
            tlsProtocol: session.tlsProtocol,
            authenticatedUser: session.identity?.username,
            hostname: hostname,
            allowedSenderDomains: session.identity?.allowedSenderDomains
        )
        let job: NewJob
        do throws(SubmissionRefusal) {
            job = try intake.job(
                reversePath: transaction.reversePath,
                recipients: transaction.recipients,
                smtpUTF8: transaction.isSMTPUTF8,
                eightBitMIME: transaction.bodyType == .eightBitMIME,
                message: transaction.message,
                context: context,
                now: queue.configuration.clock.now()
            )
        } catch {
            refused.increment()
            logger.info("submission refused", metadata: ["client": "\(session.remoteAddress)", "reply": "\(error)"])
            return .refused(Self.reply(error))
        }
        do {
            let result = try await queue.enqueue([job])[0]
            queued.increment()
            if job.notBefore == nil && !result.isDuplicate { control.workArrived(wakingUpTo: 1) }
            return .accepted(id: result.id.description)
        } catch {
            deferred.increment()
            logger.warning("a submitted message could not be stored", metadata: ["client": "\(session.remoteAddress)", "error": "\(error)"])
            return .refused(Self.reply(storing: error))
        }
    }

    private static func reply(_ refusal: SubmissionRefusal) -> SMTPServerReply {
        let parts = refusal.enhancedCode.split(separator: ".").compactMap { Int($0) }
        let enhanced = parts.count == 3 ? EnhancedStatusCode(statusClass: parts[0], subject: parts[1], detail: parts[2]) : nil
        return SMTPServerReply(code: refusal.code, enhancedCode: enhanced, text: refusal.text)
    }

    /// The reply when the queue could not store a message: temporary (4xx) unless it can never fit.
    private static func reply(storing error: any Error) -> SMTPServerReply {
        guard let error = error as? QueueError else {
            return SMTPServerReply(
                code: 451, enhancedCode: EnhancedStatusCode(statusClass: 4, subject: 3, detail: 0), text: "the message was not stored; try again")
        }
        switch error.code {
        case .payloadTooLarge:
            return SMTPServerReply(code: 552, enhancedCode: EnhancedStatusCode(statusClass: 5, subject: 3, detail: 4), text: error.message)
        case .closed:
            return SMTPServerReply(
                code: 451, enhancedCode: EnhancedStatusCode(statusClass: 4, subject: 3, detail: 2), text: "the broker is shutting down; try again")
        case .storage, .locked, .notFound, .staleToken, .invalidState, .invalidArgument:
            return SMTPServerReply(
                code: 451, enhancedCode: EnhancedStatusCode(statusClass: 4, subject: 3, detail: 0),
                text: "the message was not stored: \(error.message)")
        }
    }
}
