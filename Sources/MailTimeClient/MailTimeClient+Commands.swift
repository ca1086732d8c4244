import MailTimeMessage
import MailTimeProtocol

/// The producer and admin commands (protocol.md, section 5).
extension MailTimeClient {
    /// `PING`: checks that the broker answers.
    public func ping() async throws(MailTimeClientError) {
        try expect(try await send(Request(["PING"])).line, "OK PONG", command: "PING")
    }

    /// `SEND`: queues one email given as its JSON object (UTF-8). Returns once it is on the broker's disk.
    public func send(_ emailJSON: [UInt8]) async throws(MailTimeClientError) -> SendResult {
        try SendResult(reply: try await send(Request(["SEND", String(emailJSON.count)], payload: emailJSON)))
    }

    /// `SEND` for each email, pipelined in one write (protocol.md, section 3): a batch goes faster
    /// than one `send` after another. One result per email, in order: its id once it is on the
    /// broker's disk, or why it was refused. An email refused does not stop the others.
    public func send(batch emailJSONs: [[UInt8]]) async -> [Result<SendResult, MailTimeClientError>] {
        let replies = await sendPipelined(emailJSONs.map { Request(["SEND", String($0.count)], payload: $0) })
        return replies.map { reply in reply.flatMap { reply in Result { () throws(MailTimeClientError) in try SendResult(reply: reply) } } }
    }

    /// `SEND`: queues one email, as its canonical JSON (``Email/jsonBytes()``). Returns once it is on the
    /// broker's disk. The addresses were checked when the email was made; the broker checks the rest.
    public func send(_ email: Email) async throws(MailTimeClientError) -> SendResult {
        try await send(email.jsonBytes())
    }

    /// `CANCEL`: cancels a waiting email, or asks the sender holding it to drop it.
    public func cancel(_ id: String) async throws(MailTimeClientError) -> CancelOutcome {
        let reply = try await send(Request(["CANCEL", id]))
        guard let outcome = CancelOutcome(rawValue: String(reply.line.dropFirst(3))) else {
            throw MailTimeClientError(.unexpectedReply, "CANCEL was answered with \(reply.line.prefix(80))")
        }
        return outcome
    }

    /// `STATUS`: where an email stands.
    public func status(_ id: String) async throws(MailTimeClientError) -> JobStatus {
        try Self.decode(JobStatus.self, String(try await send(Request(["STATUS", id])).line.dropFirst(3)), "STATUS")
    }

    /// `STATS`: the queue at a glance (admin).
    public func stats() async throws(MailTimeClientError) -> BrokerStats {
        try Self.decode(BrokerStats.self, String(try await send(Request(["STATS"])).line.dropFirst(3)), "STATS")
    }

    /// `LIST`: up to `limit` (1–1000) jobs in `state`, in id order, after the job `after` (admin).
    /// Page by passing the last id as `after`.
    public func list(state: JobState, after: String? = nil, limit: Int = 100) async throws(MailTimeClientError) -> [JobStatus] {
        try Self.jobs(in: try await send(Request(["LIST", state.name, after ?? "-", String(limit)], shape: .counted)))
    }

    /// `REQUEUE <id>`: puts a failed or cancelled email back in the queue with fresh attempts (admin).
    /// Returns how many were requeued (0 or 1).
    public func requeue(id: String) async throws(MailTimeClientError) -> Int {
        try count(of: try await send(Request(["REQUEUE", id])), command: "REQUEUE")
    }

    /// `REQUEUE FAILED`: puts every failed email back in the queue (admin). Returns how many.
    public func requeueFailed() async throws(MailTimeClientError) -> Int {
        try count(of: try await send(Request(["REQUEUE", "FAILED"])), command: "REQUEUE")
    }

    /// `PAUSE`: stops the broker's own senders taking new emails (admin).
    public func pause() async throws(MailTimeClientError) {
        try expect(try await send(Request(["PAUSE"])).line, "OK PAUSED", command: "PAUSE")
    }

    /// `RESUME`: lets the broker's own senders take emails again (admin).
    public func resume() async throws(MailTimeClientError) {
        try expect(try await send(Request(["RESUME"])).line, "OK RESUMED", command: "RESUME")
    }

    /// `EVENTS` on a new connection with this client's broker, trust and token (admin): sent,
    /// deferred, failed and cancelled events from now on.
    public func events() async throws(MailTimeClientError) -> MailTimeEventStream {
        let connection = try await MailTimeClient.connect(endpoint)
        let (lines, sink) = AsyncThrowingStream.makeStream(of: String.self)
        sink.onTermination = { _ in connection.channel.close(promise: nil) }
        do throws(MailTimeClientError) {
            try expect(try await connection.send(Request(["EVENTS"], shape: .events(sink))).line, "OK EVENTS", command: "EVENTS")
        } catch {
            sink.finish()
            throw error
        }
        return MailTimeEventStream(lines: lines, connection: connection)
    }

    /// A reply's JSON body, read with the protocol's decoder.
    static func decode<Body: JSONBody>(_ type: Body.Type, _ json: some StringProtocol, _ what: String) throws(MailTimeClientError) -> Body {
        do throws(ProtocolError) {
            return try Body(jsonText: json)
        } catch {
            throw MailTimeClientError(unexpected: what, error)
        }
    }

    func expect(_ line: String, _ expected: String, command: String) throws(MailTimeClientError) {
        guard line == expected else {
            throw MailTimeClientError(.unexpectedReply, "\(command) was answered with \(line.prefix(80))")
        }
    }

    func count(of reply: BrokerReply, command: String) throws(MailTimeClientError) -> Int {
        guard let count = Int(reply.line.dropFirst(3)) else {
            throw MailTimeClientError(.unexpectedReply, "\(command) was answered with \(reply.line.prefix(80))")
        }
        return count
    }
}
