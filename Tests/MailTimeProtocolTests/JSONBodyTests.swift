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
            #"{"id":"0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59","state":"scheduled","priority":128,"attempts":1,"created_at":1764400000000,"updated_at":1764400060000,"not_before":1764400120000,"provider":0,"cancel_requested":false,"last_error":{"code":"SMTP_TEMPORARY","text":"451 4.3.0 try later","provider":"smtp-1","at":1764400060000},"recipients":[{"address":"ann@example.com","accepted":false,"code":451,"reply":"4.3.0 try later"}],"history":[{"attempt":1,"outcome":"deferred","at":1764400060000,"duration_ms":212,"provider":"smtp-1","error":{"code":"SMTP_TEMPORARY","text":"451 4.3.0 try later"},"recipients":[{"address":"ann@example.com","accepted":false,"code":451,"reply":"4.3.0 try later"}]}],"history_dropped":0}"#
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
            .complete(results: Self.results, provider: "relay-b", durationMilliseconds: 81),
            .complete(results: [], provider: nil, durationMilliseconds: 0),
            .retry(Self.failure, results: [], delayMilliseconds: nil, provider: 1, durationMilliseconds: 120),
            .fail(DeliveryFailure(code: .smtpPermanent, text: "550 no"), results: [], durationMilliseconds: 7),
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
        ("COMPLETE", #"{"results":[],"provider":0}"#, .invalidField),
        ("COMPLETE", #"{"duration_ms":-1}"#, .invalidField),
        ("RETRY", #"{"error":{"code":"X","text":"x"},"duration_ms":1.5}"#, .invalidField),
        ("FAIL", #"{"error":{"code":"X","text":"x"},"duration_ms":"5"}"#, .invalidField),
    ])
    func malformedReportsAreRefused(command: String, json: String, code: ProtocolError.Code) {
        #expect(throws: ProtocolError.self) { try Self.read(command, json) }
        do {
            _ = try Self.read(command, json)
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    /// Reports written before the provider and the duration existed read as before.
    @Test func reportsWithoutTheAttemptFactsStayValid() throws {
        let complete = try WorkerReport(completeJSON: #"[{"address":"ann@example.com","accepted":true,"code":250,"reply":"ok"}]"#)
        #expect(complete == .complete(results: [RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "ok")]))
        #expect(complete.durationMilliseconds == nil)
        let retry = try WorkerReport(retryJSON: #"{"error":{"code":"SMTP_TEMPORARY","text":"451"},"delay_ms":0}"#)
        #expect(retry == .retry(DeliveryFailure(code: .smtpTemporary, text: "451"), results: [], delayMilliseconds: 0, provider: nil))
        let object = try WorkerReport(completeJSON: #"{"provider":"relay-b","duration_ms":12}"#)
        #expect(object == .complete(results: [], provider: "relay-b", durationMilliseconds: 12))
    }

    static let history = AttemptHistory(
        attempts: [
            DeliveryAttempt(
                number: 1, outcome: .deferred, endedAt: 1_764_400_060_000, durationMilliseconds: 120, provider: "smtp-1",
                error: DeliveryFailure(code: .smtpTemporary, text: "451 4.3.0 try later"),
                recipients: [RecipientResult(address: "ann@example.com", accepted: false, code: 451, reply: "4.3.0 try later")]
            ),
            DeliveryAttempt(
                number: 2, outcome: .expired, endedAt: 1_764_400_400_000, error: DeliveryFailure(code: .leaseExpired, text: "lease expired")),
            DeliveryAttempt(
                number: 3, outcome: .sent, endedAt: 1_764_400_500_000, durationMilliseconds: 80, provider: "smtp-2",
                recipients: [RecipientResult(address: "ann@example.com", accepted: true, code: 250, reply: "2.0.0 OK")]
            ),
        ],
        dropped: 4
    )

    @Test func historyRoundTrips() throws {
        var status = Self.leased
        status.history = Self.history
        let decoded = try Self.roundTrip(status)
        #expect(decoded == status)
        #expect(status.json.hasSuffix(#","history_dropped":4}"#))
        #expect(!Self.leased.json.contains("history"), "a status without history (LIST, events) has no such field")
        for outcome in DeliveryAttempt.Outcome.allCases {
            #expect(DeliveryAttempt.Outcome(name: outcome.name) == outcome)
        }
    }

    /// The `history` example of protocol.md reads back to the same text.
    @Test func historyExampleOfTheSpecification() throws {
        let text =
            #"{"id":"0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59","state":"sent","priority":128,"attempts":2,"created_at":1764400000000,"updated_at":1764400125000,"finished_at":1764400125000,"cancel_requested":false,"last_error":{"code":"SMTP_TEMPORARY","text":"451 4.3.0 try later","provider":"smtp-1","at":1764400060000},"recipients":[{"address":"ann@example.com","accepted":true,"code":250,"reply":"2.0.0 OK"}],"history":[{"attempt":1,"outcome":"deferred","at":1764400060000,"duration_ms":212,"provider":"smtp-1","error":{"code":"SMTP_TEMPORARY","text":"451 4.3.0 try later"},"recipients":[{"address":"ann@example.com","accepted":false,"code":451,"reply":"4.3.0 try later"}]},{"attempt":2,"outcome":"sent","at":1764400125000,"duration_ms":180,"provider":"smtp-2","recipients":[{"address":"ann@example.com","accepted":true,"code":250,"reply":"2.0.0 OK"}]}],"history_dropped":0}"#
        let status = try JobStatus(jsonText: text)
        #expect(status.history?.attempts.map(\.provider) == ["smtp-1", "smtp-2"])
        #expect(status.history?.attempts.map(\.outcome) == [.deferred, .sent])
        #expect(status.history?.attempts.first?.recipients.first?.code == 451)
        #expect(status.json == text)
    }

    @Test func malformedHistoryIsRefusedNamingTheField() {
        let base = #"{"id":"x","state":"sent","created_at":1,"updated_at":2,"history":"#
        for (history, prefix) in [
            (#"[{"attempt":1,"outcome":"lost","at":3}]"#, "history[0]: outcome"),
            (#"[{"attempt":1,"outcome":"sent"}]"#, "history[0]: at"),
            (#"{}"#, "history must be an array"),
        ] {
            do {
                _ = try JobStatus(jsonText: base + history + "}")
                Issue.record("\(history) was read")
            } catch {
                #expect(error.code == .invalidField)
                #expect(error.message.hasPrefix(prefix), "\(error.message)")
            }
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
