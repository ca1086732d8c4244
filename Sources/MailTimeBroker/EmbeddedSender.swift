import Foundation
import Logging
import MailTimeMessage
import MailTimeQueue

/// A sender inside the broker: leases due emails, composes each, hands it to the transport and
/// records the outcome. It takes nothing new while delivery is paused, and on cancellation it
/// finishes the email in hand and stops.
struct EmbeddedSender: Sendable {
    let queue: MailQueue
    let control: DeliveryControl
    let transport: any MailTransport
    let composer: MessageComposer
    let owner: String
    let visibility: Duration
    let logger: Logger

    /// How long an idle sender waits before looking for due emails again.
    static let idlePause: Duration = .milliseconds(100)

    func run() async {
        while !Task.isCancelled {
            if control.isPaused {
                try? await Task.sleep(for: Self.idlePause)
                continue
            }
            let jobs: [LeasedJob]
            do {
                jobs = try await queue.lease(maximum: 8, visibility: visibility, owner: owner)
            } catch {
                if (error as? QueueError)?.code == .closed { return }
                logger.warning("lease failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if jobs.isEmpty {
                try? await Task.sleep(for: Self.idlePause)
                continue
            }
            for job in jobs {
                await deliver(job)
            }
        }
    }

    private func deliver(_ leased: LeasedJob) async {
        let id = leased.job.id
        var logger = logger
        logger[metadataKey: "mail.id"] = "\(id)"
        do {
            let email = try Email(json: leased.payload, limits: Email.Limits(maximumSize: .max, maximumRecipients: .max))
            let message = try composer.compose(email)
            let results = try await transport.deliver(message, id: id)
            try await queue.complete(id, token: leased.token, results: results)
            logger.info("sent", metadata: ["transport": "\(transport.name)"])
        } catch let error as EmailValidationError {
            let failure = DeliveryFailure(code: "COMPOSE_FAILED", text: "\(error.code.name): \(error.message)")
            await record { try await queue.fail(id, token: leased.token, error: failure) }
            logger.error("cannot compose the email", metadata: ["error": "\(error)"])
        } catch let error as TransportError {
            if error.isPermanent {
                await record { try await queue.fail(id, token: leased.token, error: error.failure) }
            } else {
                await record { try await queue.retryLater(id, token: leased.token, error: error.failure) }
            }
            logger.warning("delivery failed", metadata: ["error": "\(error.failure.text)"])
        } catch {
            // The outcome could not be recorded (stale lease, store closing): the lease will expire.
            logger.warning("cannot record the outcome", metadata: ["error": "\(error)"])
        }
    }

    private func record(_ report: () async throws -> Job) async {
        do {
            _ = try await report()
        } catch {
            logger.warning("cannot record the outcome", metadata: ["error": "\(error)"])
        }
    }
}
