@testable import MailTimeBroker
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import NIOCore
import Testing

/// `SEND` payloads turned into jobs: validation, the default sender, `send_at`, Message-IDs, folding.
@Suite struct EmailIntakeTests {
    static let now = Timestamp(millisecondsSince1970: 1_800_000_000_000)

    private func intake(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) throws -> EmailIntake {
        var configuration = BrokerConfiguration()
        configure(&configuration)
        return try EmailIntake(configuration: configuration, clock: QueueClock { Self.now })
    }

    private func job(_ json: String, _ intake: EmailIntake) throws(ProtocolError) -> NewJob {
        try intake.job(from: ByteBuffer(string: json))
    }

    /// The code `json` is refused with (as on the wire), or `nil` when it is taken.
    private func refusal(_ json: String, _ intake: EmailIntake) -> String? {
        do throws(ProtocolError) {
            _ = try job(json, intake)
            return nil
        } catch {
            return CommandFixture.errorCode(.error(error))
        }
    }

    private func stored(_ job: NewJob) throws -> Email {
        try Email(json: job.payload)
    }

    @Test func aValidEmailIsStoredWithAMessageIDOnTheSendersDomain() throws {
        let job = try job(#"{"from":"app@example.com","to":"ann@example.org","text":"hi","priority":7,"idempotency_key":"k"}"#, intake())
        #expect(job.priority == 7)
        #expect(job.idempotencyKey == "k")
        #expect(job.notBefore == nil)
        #expect(job.foldKey == nil)
        let email = try stored(job)
        #expect(email.from?.description == "app@example.com")
        let messageID = try #require(email.messageID)
        #expect(messageID.hasSuffix("@example.com>"))
    }

    @Test func theDefaultSenderFillsAMissingFrom() throws {
        let intake = try intake { $0.defaultFrom = "noreply@example.net" }
        let email = try stored(try job(#"{"to":"ann@example.org","text":"hi"}"#, intake))
        #expect(email.from?.description == "noreply@example.net")
        // An email's own sender wins.
        let own = try stored(try job(#"{"from":"app@example.com","to":"ann@example.org","text":"hi"}"#, intake))
        #expect(own.from?.description == "app@example.com")
    }

    @Test func noSenderAtAllIsRefused() throws {
        #expect(refusal(#"{"to":"ann@example.org","text":"hi"}"#, try intake()) == "NO_SENDER")
    }

    @Test func anInvalidDefaultSenderIsAConfigurationError() {
        #expect(throws: BrokerConfigurationError.self) { _ = try intake { $0.defaultFrom = "not an address" } }
    }

    @Test func validationErrorsKeepTheirCodes() throws {
        let intake = try intake()
        #expect(refusal(#"{"from":"a@example.com","to":"bob@","text":"x"}"#, intake) == "INVALID_ADDRESS")
        #expect(refusal(#"{"from":"a@example.com","text":"x"}"#, intake) == "NO_RECIPIENT")
        #expect(refusal(#"{"from":"a@example.com","to":"b@example.com","text":"x","colour":1}"#, intake) == "UNKNOWN_FIELD")
        #expect(refusal("[1,", intake) == "INVALID_JSON")
        let small = try self.intake { $0.maximumEmailSize = 10 }
        #expect(refusal(#"{"from":"a@example.com","to":"b@example.com","text":"more than ten bytes"}"#, small) == "EMAIL_TOO_LARGE")
    }

    /// The reply lines of protocol.md's SEND section: limits, duplicate keys, a payload that is not an object.
    @Test(arguments: [
        (
            #"{"to":"b@example.com","text":"x","tags":[\#((0...50).map { "\"t\($0)\"" }.joined(separator: ","))]}"#,
            "ERR INVALID_FIELD tags: at most 50 tags, got 51"
        ),
        (#"{"to":"b@example.com","text":"x","text":"y"}"#, "ERR INVALID_FIELD text: the field appears twice"),
        (#"[{"to":"b@example.com","text":"x"}]"#, "ERR INVALID_FIELD the email must be a JSON object, not an array"),
        (
            #"{"to":"b@bü☃.example","text":"x"}"#,
            "ERR INVALID_ADDRESS to: \"b@bü☃.example\" is not a valid address (RFC 5321): the label \"bü☃\" has U+2603, which a domain name cannot hold"
        ),
    ])
    func refusalsAsTheProtocolWritesThem(_ json: String, line: String) throws {
        let intake = try intake()
        do throws(ProtocolError) {
            _ = try job(json, intake)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.line == line)
        }
    }

    @Test func idnDomainsAreStoredAndFoldedAsALabels() throws {
        let job = try job(#"{"from":"app@Bücher.example","to":"Ann@BÜCHER.example","text":"x","fold":true}"#, try intake())
        #expect(job.foldKey == "Ann@xn--bcher-kva.example")
        let email = try stored(job)
        #expect(email.from?.address == "app@xn--bcher-kva.example")
        #expect(email.to.map(\.address) == ["Ann@xn--bcher-kva.example"])
        #expect(email.messageID?.hasSuffix("@xn--bcher-kva.example>") == true)
    }

    @Test func sendAtSetsTheEarliestTimeUpToTheLimit() throws {
        let intake = try intake { $0.maximumSendAhead = .seconds(3600) }
        let inAMinute = Self.now + .seconds(60)
        let job = try job(#"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":\#(inAMinute.millisecondsSince1970)}"#, intake)
        #expect(job.notBefore == inAMinute)
        let tooFar = Self.now + .seconds(3601)
        let refused = refusal(#"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":\#(tooFar.millisecondsSince1970)}"#, intake)
        #expect(refused == "INVALID_SEND_AT")
    }

    @Test func aFoldableEmailWaitsOutTheWindowUnderItsRecipientsKey() throws {
        let intake = try intake { $0.folding.window = .seconds(30) }
        let job = try job(#"{"from":"a@example.com","to":"Ann@Example.ORG","text":"x","fold":true}"#, intake)
        #expect(job.foldKey == "Ann@example.org")
        #expect(job.notBefore == Self.now + .seconds(30))
        // Two recipients, or a later send_at, never fold.
        #expect(try self.job(#"{"from":"a@example.com","to":["a@example.org","b@example.org"],"text":"x","fold":true}"#, intake).foldKey == nil)
        let later = (Self.now + .seconds(600)).millisecondsSince1970
        let scheduled = try self.job(#"{"from":"a@example.com","to":"a@example.org","text":"x","fold":true,"send_at":\#(later)}"#, intake)
        #expect(scheduled.foldKey == nil)
        #expect(scheduled.notBefore == Self.now + .seconds(600))
    }

    @Test func foldingEveryEmailNeedsNoFlag() throws {
        let folding = try intake { $0.foldsEveryEmail = true }
        #expect(try job(#"{"from":"a@example.com","to":"ann@example.org","text":"x"}"#, folding).foldKey == "ann@example.org")
        #expect(try job(#"{"from":"a@example.com","to":"ann@example.org","text":"x"}"#, intake()).foldKey == nil)
    }
}
