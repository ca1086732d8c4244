import MailTimeModel
import MailTimeProtocol
import MailTimeQueue

/// Runs authenticated commands against the queue and answers each with its reply
/// (protocol.md, section 5). Queue operations are submitted in the order `execute` is called.
struct BrokerCommandExecutor: Sendable {
    let queue: MailQueue
    let intake: EmailIntake
    let control: DeliveryControl

    /// Runs `command` for the client `peer` (it names the lease owner), whose token may send from
    /// `allowedSenderDomains` (`nil`: any domain); `reply` is called once, on any thread, when its
    /// outcome is durable.
    func execute(
        _ command: BrokerCommand,
        peer: String,
        allowedSenderDomains: [String]?,
        reply: @escaping @Sendable (BrokerReply) -> Void
    ) {
        do throws(ProtocolError) {
            try run(command, peer: peer, allowedSenderDomains: allowedSenderDomains, reply: reply)
        } catch {
            reply(.error(error))
        }
    }

    private func run(
        _ command: BrokerCommand,
        peer: String,
        allowedSenderDomains: [String]?,
        reply: @escaping @Sendable (BrokerReply) -> Void
    ) throws(ProtocolError) {
        switch command {
        case .send(let payload):
            let job = try intake.job(from: payload, allowedSenderDomains: allowedSenderDomains)
            let control = control
            let isDue = job.notBefore == nil
            submit(.enqueue([job]), reply) { results in
                if isDue && !results[0].isDuplicate { control.workArrived(wakingUpTo: 1) }
                return .ok(SendResult(id: results[0].id.description, isDuplicate: results[0].isDuplicate).replyText)
            }
        case .cancel(let id):
            submit(.cancel(try jobID(id)), reply) { outcome in
                .ok(outcome.rawValue)
            }
        case .status(let id):
            submit(.inspect(try jobID(id)), reply) { inspected in .ok(JobStatus(inspected.job, history: inspected.history).json) }
        case .stats:
            let control = control
            submit(.stats(), reply) { stats in
                .ok(BrokerStats(stats, isPaused: control.isPaused, connections: control.connections, providers: control.providerHealth).json)
            }
        case .list(let state, let after, let limit):
            let afterID = try after.map { (text) throws(ProtocolError) in try jobID(text) }
            submit(.list(state: state, after: afterID, limit: limit), reply) { jobs in
                .okLines(jobs.map { ReplyLine("JOB " + JobStatus($0).json) })
            }
        case .requeue(let target):
            let selection: RequeueSelection
            switch target {
            case .allFailed: selection = .allFailed
            case .id(let id): selection = .ids([try jobID(id)])
            }
            let queue = queue
            Task {
                do {
                    reply(.ok("\(try await queue.requeue(selection).count)"))
                } catch {
                    reply(.error(ProtocolError(queueError: error)))
                }
            }
        case .search(let filter, let after, let limit):
            let afterID = try after.map { (text) throws(ProtocolError) in try jobID(text) }
            submit(.search(JobFilter(filter), after: afterID, limit: limit), reply) { jobs in
                .okLines(jobs.map { ReplyLine("JOB " + JobStatus($0).json) })
            }
        case .bulk(let action, let filter):
            runBulk(action, filter, reply: reply)
        case .pauseProvider(let name), .resumeProvider(let name):
            let pausing = if case .pauseProvider = command { true } else { false }
            guard control.setProviderPaused(pausing, name: name) else {
                throw ProtocolError(.notFound, "no provider is named \(name.prefix(64))")
            }
            if !pausing { control.workArrived() }
            reply(.ok(pausing ? "PAUSED" : "RESUMED"))
        case .pause:
            control.setPaused(true)
            reply(.ok("PAUSED"))
        case .resume:
            control.setPaused(false)
            control.workArrived()
            reply(.ok("RESUMED"))
        case .lease(let maximum, let visibilitySeconds):
            submit(.lease(maximum: maximum, visibility: .seconds(visibilitySeconds), owner: peer), reply) { jobs in
                .okLines(jobs.map { LeasedEmail($0).replyLine })
            }
        case .complete(let id, let token, let results):
            try record(WorkerReport(completeJSON: results), id: id, token: token, reply: reply)
        case .retry(let id, let token, let text):
            try record(WorkerReport(retryJSON: text), id: id, token: token, reply: reply)
        case .fail(let id, let token, let text):
            try record(WorkerReport(failJSON: text), id: id, token: token, reply: reply)
        case .touch(let id, let token, let seconds):
            submit(.touch(try jobID(id), token: token, extendBy: .seconds(seconds)), reply) { renewal in
                .ok(renewal.replyText)
            }
        case .ping, .help, .auth, .events, .quit:
            // The session state machine answers these itself.
            reply(.error(ProtocolError(.badArguments, "\(command.name) is not executed here")))
        }
    }

    /// Runs a bulk command in batches (see ``MailQueue/apply(_:matching:)``) and replies `OK <n>`.
    private func runBulk(_ action: BrokerCommand.BulkAction, _ filter: EmailFilter, reply: @escaping @Sendable (BrokerReply) -> Void) {
        let queue = queue
        let control = control
        let bulkAction: BulkAction =
            switch action {
            case .requeue: .requeue
            case .cancel: .cancel
            case .purge: .purge
            }
        Task {
            do {
                let count = try await queue.apply(bulkAction, matching: JobFilter(filter))
                if bulkAction == .requeue && count > 0 { control.workArrived() }
                reply(.ok("\(count)"))
            } catch {
                reply(.error(ProtocolError(queueError: error)))
            }
        }
    }

    /// Records a sender's report: `OK SENT`, `OK FAILED`, or after `RETRY` the email's next state.
    private func record(_ report: WorkerReport, id: String, token: UInt64, reply: @escaping @Sendable (BrokerReply) -> Void) throws(ProtocolError) {
        let id = try jobID(id)
        let duration = report.durationMilliseconds.map { Duration.milliseconds($0) }
        switch report {
        case .complete(let results, let provider, _):
            submit(.complete(id, token: token, results: results, provider: provider, duration: duration), reply) { _ in .ok("SENT") }
        case .retry(let error, let results, let delay, let provider, _):
            let operation = QueueOperation.retryLater(
                id,
                token: token,
                error: error,
                results: results,
                delay: delay.map { .milliseconds($0) },
                providerIndex: provider,
                duration: duration
            )
            submit(operation, reply) { job in .ok(job.state.description.uppercased()) }
        case .fail(let error, let results, _):
            submit(.fail(id, token: token, error: error, results: results, duration: duration), reply) { _ in .ok("FAILED") }
        }
    }

    private func submit<Result: Sendable>(
        _ operation: QueueOperation<Result>,
        _ reply: @escaping @Sendable (BrokerReply) -> Void,
        _ render: @escaping @Sendable (Result) -> BrokerReply
    ) {
        queue.submit(operation) { outcome in
            switch outcome {
            case .success(let value): reply(render(value))
            case .failure(let error): reply(.error(ProtocolError(queueError: error)))
            }
        }
    }

    private func jobID(_ text: String) throws(ProtocolError) -> JobID {
        guard let id = JobID(text) else {
            throw ProtocolError(.badArguments, "\(text.prefix(64)) is not a job id (a UUID)")
        }
        return id
    }
}
