import Logging
import MailTimeMessage
import MailTimeModel

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
    /// and the rest of a leased batch is given back.
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
            let leases = HeldLeases(jobs)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await renew(leases) }
                for job in jobs {
                    if Task.isCancelled {
                        await source.release(job)
                    } else {
                        await deliver(job, leases: leases)
                    }
                    leases.release(job)
                }
                group.cancelAll()
            }
        }
    }

    /// Renews the batch's leases every ``renewalInterval`` until cancelled; a lease that cannot be
    /// renewed is marked lost, and its outcome will not be recorded.
    private func renew(_ leases: HeldLeases) async {
        while true {
            do {
                try await Task.sleep(for: renewalInterval)
            } catch {
                return
            }
            for job in leases.current {
                do {
                    _ = try await source.renew(job)
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("cannot renew the lease", metadata: ["mail.id": "\(job.id)", "error": "\(error)"])
                    leases.markLost(job)
                }
            }
        }
    }

    /// Delivers one email (with the emails folded into it) and records the outcome for each,
    /// unless the lease was lost meanwhile.
    func deliver(_ job: DeliveryJob, leases: HeldLeases) async {
        var jobs: [DeliveryJob] = []
        var emails: [Email] = []
        for index in 0...job.folded.count {
            let member = index == 0 ? job : job.folded[index - 1]
            do {
                // Checked when it was queued: read without checking again.
                emails.append(try Email(storedJSON: member.payload))
                jobs.append(member)
            } catch {
                let failure = DeliveryFailure(code: .composeFailed, text: "the stored email cannot be read: \(error)")
                await report(.fail(failure, recipients: []), for: member)
            }
        }
        // Jobs that waited behind others in their batch may have been cancelled meanwhile.
        if let waited = jobs.first, ContinuousClock.now - waited.leasedAt > .seconds(1) {
            var kept: [(DeliveryJob, Email)] = []
            for (member, email) in zip(jobs, emails) {
                do {
                    if try await source.renew(member) {
                        let failure = DeliveryFailure(code: .cancelled, text: "cancelled before sending")
                        await report(.retry(failure, recipients: [], delay: nil, provider: nil), for: member)
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
            logger.info(
                "folded emails into one",
                metadata: ["mail.id": "\(head.id)", "count": "\(emails.count)", "folded": "\(jobs.dropFirst().map(\.id))"]
            )
        }
        let recipients =
            head.settledRecipients.isEmpty
            ? email.recipients : email.recipients.filter { !head.settledRecipients.contains($0.address) }
        let request = DeliveryRequest(
            id: head.id, email: email, composer: composer, recipients: recipients, attempt: head.attempt, pinnedProvider: head.pinnedProvider
        )
        let outcome = await deliverer.deliver(request)
        guard !leases.isLost(any: jobs) else {
            logger.warning("the lease was lost during the send; recording nothing", metadata: ["mail.id": "\(head.id)"])
            return
        }
        for member in jobs {
            await report(outcome, for: member)
        }
    }

    /// Records `outcome` for `job` and logs it (metadata only made when the level is on).
    private func report(_ outcome: DeliveryOutcome, for job: DeliveryJob) async {
        do {
            try await source.report(outcome, for: job)
        } catch {
            logger.warning(
                "the outcome was not recorded",
                metadata: ["mail.id": "\(job.id)", "error": "\(error)"]
            )
            return
        }
        switch outcome {
        case .sent(let recipients):
            logger.info(
                "sent",
                metadata: [
                    "mail.id": "\(job.id)", "accepted": "\(recipients.filter(\.accepted).count)",
                    "refused": "\(recipients.filter { !$0.accepted }.count)",
                ]
            )
        case .retry(let failure, _, _, _):
            logger.info("deferred", metadata: ["mail.id": "\(job.id)", "error": "\(failure)"])
        case .fail(let failure, _):
            logger.warning("failed", metadata: ["mail.id": "\(job.id)", "error": "\(failure)"])
        }
    }
}
