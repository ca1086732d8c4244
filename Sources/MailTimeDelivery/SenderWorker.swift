import Logging
import MailTimeMessage

/// One sender: leases emails from a ``JobSource``, delivers each through a ``MailDeliverer`` and
/// reports the outcome, renewing the lease while a send takes long. The embedded senders of the
/// broker and `mailtime sender` run this same loop.
public struct SenderWorker: Sendable {
    public let source: any JobSource
    public let deliverer: any MailDeliverer
    public let composer: MessageComposer
    /// How often a lease is renewed during a send; a third of the visibility is a good choice.
    public let renewalInterval: Duration
    /// How many emails one lease takes.
    public let batchSize: Int
    public let logger: Logger

    public init(
        source: any JobSource,
        deliverer: any MailDeliverer,
        composer: MessageComposer,
        renewalInterval: Duration,
        batchSize: Int = 4,
        logger: Logger
    ) {
        self.source = source
        self.deliverer = deliverer
        self.composer = composer
        self.renewalInterval = renewalInterval
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Runs until the task is cancelled or the source closes; the email in hand is finished first,
    /// and the rest of a leased batch is left to its lease.
    public func run() async {
        while !Task.isCancelled {
            let jobs: [DeliveryJob]
            do {
                jobs = try await source.lease(maximum: batchSize)
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot lease emails", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if jobs.isEmpty {
                await source.waitForWork()
                continue
            }
            for job in jobs {
                if Task.isCancelled { break }
                await deliver(job)
            }
        }
    }

    /// Delivers one email and records the outcome, unless the lease was lost meanwhile.
    func deliver(_ job: DeliveryJob) async {
        var logger = logger
        logger[metadataKey: "mail.id"] = "\(job.id)"
        let email: Email
        do {
            email = try Email(json: job.payload, limits: Email.Limits(maximumSize: .max, maximumRecipients: .max))
        } catch {
            await report(.fail(DeliveryFailureReport(code: "COMPOSE_FAILED", text: "the stored email cannot be read: \(error)"), recipients: []), for: job, logger: logger)
            return
        }
        // A job that waited behind others in its batch may have been cancelled meanwhile.
        if ContinuousClock.now - job.leasedAt > .seconds(1) {
            do {
                if try await source.renew(job) {
                    await report(.retry(DeliveryFailureReport(code: "CANCELLED", text: "cancelled before sending"), recipients: [], delay: nil, provider: nil), for: job, logger: logger)
                    logger.info("cancelled before sending")
                    return
                }
            } catch {
                logger.warning("lost the lease before sending", metadata: ["error": "\(error)"])
                return
            }
        }
        let recipients = email.recipients.filter { !job.settledRecipients.contains($0.address) }
        let request = DeliveryRequest(id: job.id, email: email, composer: composer, recipients: recipients, attempt: job.attempt, pinnedProvider: job.pinnedProvider)
        let (outcome, leaseHeld) = await withLeaseRenewal(job, logger: logger) {
            await deliverer.deliver(request)
        }
        guard leaseHeld else {
            logger.warning("the lease was lost during the send; recording nothing")
            return
        }
        await report(outcome, for: job, logger: logger)
    }

    /// Runs `send` while renewing the lease every ``renewalInterval``; says whether the lease held.
    private func withLeaseRenewal(
        _ job: DeliveryJob,
        logger: Logger,
        _ send: @escaping @Sendable () async -> DeliveryOutcome
    ) async -> (DeliveryOutcome, Bool) {
        await withTaskGroup(of: Result.self) { group in
            group.addTask { .delivered(await send()) }
            group.addTask {
                while true {
                    do {
                        try await Task.sleep(for: renewalInterval)
                        _ = try await source.renew(job)
                    } catch is CancellationError {
                        return .renewalStopped
                    } catch {
                        if Task.isCancelled { return .renewalStopped }
                        logger.warning("cannot renew the lease", metadata: ["error": "\(error)"])
                        return .leaseLost
                    }
                }
            }
            var outcome: DeliveryOutcome?
            var leaseHeld = true
            for await result in group {
                switch result {
                case .delivered(let delivered):
                    outcome = delivered
                    group.cancelAll()
                case .leaseLost:
                    leaseHeld = false
                case .renewalStopped:
                    break
                }
            }
            return (outcome!, leaseHeld)
        }
    }

    private enum Result: Sendable {
        case delivered(DeliveryOutcome)
        case leaseLost
        case renewalStopped
    }

    private func report(_ outcome: DeliveryOutcome, for job: DeliveryJob, logger: Logger) async {
        do {
            try await source.report(outcome, for: job)
        } catch {
            logger.warning("cannot record the outcome; the lease will expire and the email be tried again", metadata: ["error": "\(error)"])
            return
        }
        switch outcome {
        case .sent(let recipients):
            logger.info("sent", metadata: ["accepted": "\(recipients.filter(\.accepted).count)", "refused": "\(recipients.filter { !$0.accepted }.count)"])
        case .retry(let failure, _, _, _):
            logger.info("deferred", metadata: ["error": "\(failure)"])
        case .fail(let failure, _):
            logger.warning("failed", metadata: ["error": "\(failure)"])
        }
    }
}
