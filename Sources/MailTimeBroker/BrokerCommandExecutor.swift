import MailTimeJSON
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue

/// Runs authenticated commands against the queue and answers each with its reply
/// (protocol.md, section 5). Queue operations are submitted in the order `execute` is called.
struct BrokerCommandExecutor: Sendable {
    let queue: MailQueue
    let intake: EmailIntake
    let control: DeliveryControl

    /// Runs `command` for the client `peer` (it names the lease owner); `reply` is called once,
    /// on any thread, when its outcome is durable.
    func execute(_ command: BrokerCommand, peer: String, reply: @escaping @Sendable (BrokerReply) -> Void) {
        do throws(ProtocolError) {
            try run(command, peer: peer, reply: reply)
        } catch {
            reply(.error(error))
        }
    }

    private func run(_ command: BrokerCommand, peer: String, reply: @escaping @Sendable (BrokerReply) -> Void) throws(ProtocolError) {
        switch command {
        case .send(let payload):
            let job = try intake.job(from: payload)
            let control = control
            let isDue = job.notBefore == nil
            submit(.enqueue([job]), reply) { results in
                if isDue && !results[0].isDuplicate { control.workArrived(wakingUpTo: 1) }
                return .ok(results[0].isDuplicate ? "\(results[0].id) DUPLICATE" : "\(results[0].id)")
            }
        case .cancel(let id):
            submit(.cancel(try jobID(id)), reply) { outcome in
                .ok(outcome == .cancelled ? "CANCELLED" : "CANCEL_REQUESTED")
            }
        case .status(let id):
            submit(.status(try jobID(id)), reply) { job in .ok(JobJSON.text(job)) }
        case .stats:
            let control = control
            submit(.stats(), reply) { stats in
                .ok(JobJSON.text(stats, paused: control.isPaused, connections: control.connections, providers: control.providerHealth))
            }
        case .list(let stateName, let after, let limit):
            guard let state = JobState(name: stateName) else {
                throw ProtocolError(.badArguments, "unknown state \(stateName): one of \(JobState.allCases.map(\.description).joined(separator: ", "))")
            }
            let afterID = try after.map { (text) throws(ProtocolError) in try jobID(text) }
            submit(.list(state: state, after: afterID, limit: limit), reply) { jobs in
                .okLines(jobs.map { "JOB " + JobJSON.text($0) })
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
                    reply(.error(Self.protocolError(error)))
                }
            }
        case .pause:
            control.setPaused(true)
            reply(.ok("PAUSED"))
        case .resume:
            control.setPaused(false)
            control.workArrived()
            reply(.ok("RESUMED"))
        case .lease(let maximum, let visibilitySeconds):
            submit(.lease(maximum: maximum, visibility: .seconds(visibilitySeconds), owner: peer), reply) { jobs in
                .okLines(jobs.map(Self.leaseLine))
            }
        case .complete(let id, let token, let results):
            let report = try WorkerReport(results: results)
            submit(.complete(try jobID(id), token: token, results: report.results), reply) { _ in .ok("SENT") }
        case .retry(let id, let token, let text):
            let report = try WorkerReport(report: text, allowsScheduling: true)
            let operation = QueueOperation.retryLater(
                try jobID(id),
                token: token,
                error: report.error!,
                results: report.results,
                delay: report.delay,
                providerIndex: report.providerIndex
            )
            submit(operation, reply) { job in .ok(job.state.description.uppercased()) }
        case .fail(let id, let token, let text):
            let report = try WorkerReport(report: text, allowsScheduling: false)
            submit(.fail(try jobID(id), token: token, error: report.error!, results: report.results), reply) { _ in .ok("FAILED") }
        case .touch(let id, let token, let seconds):
            submit(.touch(try jobID(id), token: token, extendBy: .seconds(seconds)), reply) { renewal in
                .ok("\(renewal.deadline.millisecondsSince1970)" + (renewal.cancelRequested ? " CANCEL_REQUESTED" : ""))
            }
        case .ping, .auth, .events, .quit:
            // The session state machine answers these itself.
            reply(.error(ProtocolError(.badArguments, "\(command.name) is not executed here")))
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
            case .failure(let error): reply(.error(Self.protocolError(error)))
            }
        }
    }

    private func jobID(_ text: String) throws(ProtocolError) -> JobID {
        guard let id = JobID(text) else {
            throw ProtocolError(.badArguments, "\(text.prefix(64)) is not a job id (a UUID)")
        }
        return id
    }

    /// A `JOB` line of a `LEASE` reply: the lease, the recipients already settled (when there are
    /// any), and the stored email, embedded as it is.
    static func leaseLine(_ leased: LeasedJob) -> String {
        let job = leased.job
        let provider = job.providerIndex.map(String.init) ?? "null"
        return #"JOB {"id":"\#(job.id)","token":\#(leased.token),"attempts":\#(job.attempts),"provider":\#(provider),"deadline":\#(job.lease!.deadline.millisecondsSince1970),"#
            + settledField(job.settledRecipients)
            + #""email":"# + String(decoding: leased.payload, as: UTF8.self) + "}"
    }

    /// `"settled":[…],` for a `JOB` line, or nothing when no recipient is settled.
    private static func settledField(_ addresses: [String]) -> String {
        guard !addresses.isEmpty else { return "" }
        var writer = JSONWriter()
        writer.beginArray()
        for address in addresses { writer.string(address) }
        writer.endArray()
        return #""settled":"# + String(decoding: writer.bytes, as: UTF8.self) + ","
    }

    /// The protocol error for a queue error (the codes match), or `STORAGE` for anything else.
    static func protocolError(_ error: any Error) -> ProtocolError {
        if let error = error as? QueueError {
            let code = error.code == .closed ? ProtocolError.Code.shuttingDown : ProtocolError.Code(error.code.name)
            return ProtocolError(code, error.message)
        }
        return ProtocolError(.storage, "the store failed: \(error)")
    }
}
