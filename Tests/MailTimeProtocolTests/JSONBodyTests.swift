import MailTimeJSON
import MailTimeModel
import MailTimeProtocol
import Testing

/// The bodies of protocol.md, section 5: what the broker encodes, the client decodes to the same value.
@Suite struct JSONBodyTests {
    static let failure = DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later", provider: "smtp-1", at: 1_764_400_060_000)
    static let results = [
        RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "2.0.0 OK"),
        RecipientResult(address: "\"b o\"@example.com", accepted: false, code: 451, reply: "4.3.0 try \"later\"\r\n"),
    ]
    static let leased = JobStatus(
        id: "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59",
        state: .leased,
        priority: 3,
        attempts: 2,
        createdAt: 1_764_400_000_000,
        updatedAt: 1_764_400_060_000,
        lease: .init(owner: "sender-1", deadline: 1_764_400_360_000, token: 42),
        provider: 1,
        cancelRequested: true,
        lastError: failure,
        recipients: results,
        idempotencyKey: "order-7"
    )

    static func roundTrip<Body: JSONBody & Equatable>(_ body: Body) throws -> Body {
        let decoded = try Body(jsonBytes: body.jsonBytes)
        #expect(decoded.json == body.json, "encoding the decoded body gives the same text")
        return decoded
    }

    /// The report of the worker command `command`, as the broker reads it.
    static func read(_ command: String, _ json: String?) throws(ProtocolError) -> WorkerReport {
        switch command {
        case "COMPLETE": try WorkerReport(completeJSON: json)
        case "RETRY": try WorkerReport(retryJSON: json ?? "")
        default: try WorkerReport(failJSON: json ?? "")
        }
    }

    @Test func jobsRoundTrip() throws {
        #expect(try Self.roundTrip(Self.leased) == Self.leased)
        let minimal = JobStatus(id: "x", state: .ready, createdAt: 1, updatedAt: 2, notBefore: 3)
        #expect(try Self.roundTrip(minimal) == minimal)
        for state in JobState.allCases {
            var job = minimal
            job.state = state
            #expect(try Self.roundTrip(job).state == state)
        }
    }

    /// The example of protocol.md reads back to the same text.
    @Test func statusExampleOfTheSpecification() throws {
        let text =
            #"{"id":"0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59","state":"scheduled","priority":128,"attempts":1,"created_at":1764400000000,"updated_at":1764400060000,"not_before":1764400120000,"provider":0,"cancel_requested":false,"last_error":{"code":"SMTP_TEMPORARY","text":"451 4.3.0 try later","provider":"smtp-1","at":1764400060000},"recipients":[{"address":"ann@example.com","accepted":false,"code":451,"reply":"4.3.0 try later"}]}"#
        let status = try JobStatus(jsonText: text)
        #expect(status.state == .scheduled)
        #expect(status.lastError?.code == .smtpTemporary)
        #expect(status.recipients.first?.isSettled == false)
        #expect(status.json == text)
    }

    @Test func statsRoundTrip() throws {
        let stats = BrokerStats(
            counts: [.ready: 2, .leased: 1, .sent: 10, .cancelled: 1],
            oldestReadyAgeMilliseconds: 350,
            nextDueAt: nil,
            nextLeaseDeadline: 1_764_400_360_000,
            isPaused: true,
            connections: 3,
            providers: [
                ProviderHealth(name: "main", sent: 10),
                ProviderHealth(name: "backup", isUp: false, failures: 3, consecutiveFailures: 3, lastError: "cannot connect"),
            ]
        )
        let decoded = try Self.roundTrip(stats)
        #expect(decoded.counts[.scheduled] == 0)
        #expect(decoded.counts[.sent] == 10)
        #expect(decoded.providers == stats.providers)
        #expect(stats.json.contains(#""next_due_at":null"#))
    }

    @Test func eventsRoundTrip() throws {
        let deferred = MailTimeEvent(
            kind: .deferred, id: Self.leased.id, at: 5, nextAttempt: 6, error: Self.failure, job: Self.leased
        )
        #expect(try Self.roundTrip(deferred) == deferred)
        #expect(try Self.roundTrip(MailTimeEvent.overflow(lost: 12)) == .overflow(lost: 12))
        #expect(MailTimeEvent.overflow(lost: 12).json == #"{"event":"overflow","lost":12}"#)
    }

    @Test func workerReportsRoundTrip() throws {
        let reports: [WorkerReport] = [
            .complete(results: []),
            .complete(results: Self.results),
            .retry(Self.failure, results: Self.results, delayMilliseconds: 0, provider: 2),
            .retry(Self.failure, results: [], delayMilliseconds: nil, provider: nil),
            .fail(DeliveryFailure(code: .smtpPermanent, text: "550 no"), results: Self.results),
        ]
        for report in reports {
            let (command, json) = report.wire
            #expect(try Self.read(command, json) == report)
        }
        #expect(WorkerReport.complete(results: []).wire.json == nil)
    }

    @Test func codesTheBrokerDoesNotKnowAreKept() throws {
        let report = try WorkerReport(failJSON: #"{"error":{"code":"BOUNCED","text":"no"}}"#)
        guard case .fail(let error, _, _) = report else {
            Issue.record("FAIL read as \(report)")
            return
        }
        #expect(error.code.name == "BOUNCED")
        #expect(error.code != .smtpPermanent)
    }

    @Test(arguments: [
        ("RETRY", #"{"error":{"code":"X","text":"x"},"delay":5}"#, ProtocolError.Code.invalidField),
        ("FAIL", #"{"error":{"code":"X","text":"x"},"delay_ms":5}"#, .invalidField),
        ("FAIL", #"{"results":[]}"#, .invalidField),
        ("FAIL", #"{"error":{"code":"","text":"x"}}"#, .invalidField),
        ("RETRY", #"{"error":{"code":"X","text":"x"},"delay_ms":-1}"#, .invalidField),
        ("RETRY", #"{"error":{"code":"X","text":"x"},"provider":"main"}"#, .invalidField),
        ("RETRY", #"{"error":"#, .invalidJSON),
        ("RETRY", #"[]"#, .invalidJSON),
        ("COMPLETE", #"{"address":"a@b.c"}"#, .invalidField),
        ("COMPLETE", #"[{"address":"a@b.c"}]"#, .invalidField),
        ("COMPLETE", #"[{"address":"a@b.c","accepted":"yes"}]"#, .invalidField),
    ])
    func malformedReportsAreRefused(command: String, json: String, code: ProtocolError.Code) {
        #expect(throws: ProtocolError.self) { try Self.read(command, json) }
        do {
            _ = try Self.read(command, json)
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test func aBodyOfTheWrongFormIsRefusedNamingTheField() {
        do {
            _ = try JobStatus(jsonText: #"{"id":"x","state":"ready","created_at":1,"updated_at":2,"recipients":[{"address":"a"}]}"#)
            Issue.record("a recipient without accepted was read")
        } catch {
            #expect(error.code == .invalidField)
            #expect(error.message.hasPrefix("recipients[0]: accepted"), "\(error.message)")
        }
        #expect(throws: ProtocolError.self) { try JobStatus(jsonText: #"{"id":"x","state":"lost","created_at":1,"updated_at":2}"#) }
    }
}
