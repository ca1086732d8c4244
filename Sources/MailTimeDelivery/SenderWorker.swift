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
    /// unless the lease was lost meanwhile. A submitted message is sent alone, as it is: it is stored
    /// without a fold key, so nothing is ever leased with it.
    func deliver(_ job: DeliveryJob, leases: HeldLeases) async {
        if SubmittedMessage.isSubmittedMessage(job.payload) {
            await deliverSubmitted(job, leases: leases)
            return
        }
        var members: [(job: DeliveryJob, content: Email)] = []
        for index in 0...job.folded.count {
            let member = index == 0 ? job : job.folded[index - 1]
            do {
                // Checked when it was queued: read without checking again.
                members.append((member, try Email(storedJSON: member.payload)))
            } catch {
                let failure = DeliveryFailure(code: .composeFailed, text: "the stored email cannot be read: \(error)")
                await report(AttemptReport(.fail(failure, recipients: [])), for: member)
            }
        }
        members = await droppingCancelled(members)
        guard let head = members.first?.job else { return }
        let emails = members.map(\.content)
        let email = emails.count > 1 ? folding.fold(emails) : emails[0]
        if emails.count > 1 {
            logger.info(
                "folded emails into one",
                metadata: ["mail.id": "\(head.id)", "count": "\(emails.count)", "folded": "\(members.dropFirst().map(\.job.id))"]
            )
        }
        let request = DeliveryRequest(
            id: head.id, email: email, composer: composer, recipients: unsettled(email.recipients, head), attempt: head.attempt,
            pinnedProvider: head.pinnedProvider
        )
        await send(request, for: members.map(\.job), leases: leases)
    }

    /// Delivers a message submitted over SMTP: its bytes and envelope as stored, to the recipients
    /// not settled yet.
    private func deliverSubmitted(_ job: DeliveryJob, leases: HeldLeases) async {
        let message: SubmittedMessage
        do {
            message = try SubmittedMessage(stored: job.payload)
        } catch {
            let failure = DeliveryFailure(code: .composeFailed, text: "the stored message cannot be read: \(error)")
            await report(AttemptReport(.fail(failure, recipients: [])), for: job)
            return
        }
        guard await !droppingCancelled([(job, message)]).isEmpty else { return }
        let request = DeliveryRequest(
            id: job.id, content: .submitted(message), recipients: unsettled(message.recipients, job), attempt: job.attempt,
            pinnedProvider: job.pinnedProvider
        )
        await send(request, for: [job], leases: leases)
    }

    /// `recipients` without those earlier attempts of `job` settled.
    private func unsettled(_ recipients: [EmailAddress], _ job: DeliveryJob) -> [EmailAddress] {
        job.settledRecipients.isEmpty ? recipients : recipients.filter { !job.settledRecipients.contains($0.address) }
    }

    /// `members` without those cancelled meanwhile (reported cancelled here) or whose lease was lost.
    /// Only jobs that waited behind others in their batch are asked about.
    private func droppingCancelled<Content>(_ members: [(job: DeliveryJob, content: Content)]) async -> [(job: DeliveryJob, content: Content)] {
        guard let waited = members.first?.job, ContinuousClock.now - waited.leasedAt > .seconds(1) else { return members }
        var kept: [(job: DeliveryJob, content: Content)] = []
        for member in members {
            do {
                if try await source.renew(member.job) {
                    let failure = DeliveryFailure(code: .cancelled, text: "cancelled before sending")
                    await report(AttemptReport(.retry(failure, recipients: [], delay: nil, provider: nil)), for: member.job)
                    logger.info("cancelled before sending", metadata: ["mail.id": "\(member.job.id)"])
                } else {
                    kept.append(member)
                }
            } catch {
                logger.warning("lost the lease before sending", metadata: ["mail.id": "\(member.job.id)", "error": "\(error)"])
            }
        }
        return kept
    }

    /// Delivers `request` and records its outcome, provider and duration for each of `jobs`, unless
    /// a lease was lost meanwhile.
    private func send(_ request: DeliveryRequest, for jobs: [DeliveryJob], leases: HeldLeases) async {
        let start = ContinuousClock.now
        let (outcome, provider) = await deliverer.deliverNamingProvider(request)
        let attempt = AttemptReport(outcome, provider: provider, duration: .now - start)
        guard !leases.isLost(any: jobs) else {
            logger.warning("the lease was lost during the send; recording nothing", metadata: ["mail.id": "\(request.id)"])
            return
        }
        for member in jobs {
            await report(attempt, for: member)
        }
    }

    /// Records `attempt` for `job` and logs it (metadata only made when the level is on).
    private func report(_ attempt: AttemptReport, for job: DeliveryJob) async {
        do {
            try await source.report(attempt, for: job)
        } catch {
            logger.warning(
                "the outcome was not recorded",
                metadata: ["mail.id": "\(job.id)", "error": "\(error)"]
            )
            return
        }
        switch attempt.outcome {
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
