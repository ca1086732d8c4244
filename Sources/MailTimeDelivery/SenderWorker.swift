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
    /// How emails leased together (``DeliveryJob/folded``) become one.
    public let folding: EmailFolding
    public let logger: Logger

    public init(
        source: any JobSource,
        deliverer: any MailDeliverer,
        composer: MessageComposer,
        renewalInterval: Duration,
        batchSize: Int = 4,
        folding: EmailFolding = EmailFolding(),
        logger: Logger
    ) {
        self.source = source
        self.deliverer = deliverer
        self.composer = composer
        self.renewalInterval = renewalInterval
        self.batchSize = batchSize
        self.folding = folding
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

    /// Delivers one email (with the emails folded into it) and records the outcome for each,
    /// unless the lease was lost meanwhile.
    func deliver(_ job: DeliveryJob) async {
        var logger = logger
        logger[metadataKey: "mail.id"] = "\(job.id)"
        var jobs: [DeliveryJob] = []
        var emails: [Email] = []
        for member in [job] + job.folded {
            do {
                emails.append(try Email(json: member.payload, limits: Email.Limits(maximumSize: .max, maximumRecipients: .max)))
                jobs.append(member)
            } catch {
                let failure = DeliveryFailureReport(code: "COMPOSE_FAILED", text: "the stored email cannot be read: \(error)")
                await report(.fail(failure, recipients: []), for: member, logger: logger)
            }
        }
        // Jobs that waited behind others in their batch may have been cancelled meanwhile.
        if let waited = jobs.first, ContinuousClock.now - waited.leasedAt > .seconds(1) {
            var kept: [(DeliveryJob, Email)] = []
            for (member, email) in zip(jobs, emails) {
                do {
                    if try await source.renew(member) {
                        let failure = DeliveryFailureReport(code: "CANCELLED", text: "cancelled before sending")
                        await report(.retry(failure, recipients: [], delay: nil, provider: nil), for: member, logger: logger)
                        logger.info("cancelled before sending", metadata: ["mail.id": "\(member.id)"])
                    } else {
                        kept.append((member, email))
                    }
                } catch {
                    logger.warning("lost the lease before sending", metadata: ["mail.id": "\(member.id)", "error": "\(error)"])
                }
            }
            jobs = kept.map(\.0)
            emails = kept.map(\.1)
        }
        guard let head = jobs.first else { return }
        let email = emails.count > 1 ? folding.fold(emails) : emails[0]
        if emails.count > 1 {
            logger.info("folded emails into one", metadata: ["count": "\(emails.count)", "folded": "\(jobs.dropFirst().map(\.id))"])
        }
        let recipients = email.recipients.filter { !head.settledRecipients.contains($0.address) }
        let request = DeliveryRequest(
            id: head.id, email: email, composer: composer, recipients: recipients, attempt: head.attempt, pinnedProvider: head.pinnedProvider
        )
        let (outcome, leaseHeld) = await withLeaseRenewal(jobs, logger: logger) {
            await deliverer.deliver(request)
        }
        guard leaseHeld else {
            logger.warning("the lease was lost during the send; recording nothing")
            return
        }
        for member in jobs {
            await report(outcome, for: member, logger: logger)
        }
    }

    /// Runs `send` while renewing the leases every ``renewalInterval``; says whether they held.
    private func withLeaseRenewal(
        _ jobs: [DeliveryJob],
        logger: Logger,
        _ send: @escaping @Sendable () async -> DeliveryOutcome
    ) async -> (DeliveryOutcome, Bool) {
        await withTaskGroup(of: Result.self) { group in
            group.addTask { .delivered(await send()) }
            group.addTask {
                while true {
                    do {
                        try await Task.sleep(for: renewalInterval)
                        for job in jobs { _ = try await source.renew(job) }
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
