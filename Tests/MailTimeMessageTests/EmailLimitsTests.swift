@testable import MailTimeMessage
import Foundation
import Testing

/// Every list and free-form field of an email has a limit: at the limit it is accepted, one past it is
/// refused with an error that names the field. The defaults are tested, as protocol.md lists them.
@Suite struct EmailLimitsTests {
    static let limits = Email.Limits()

    /// A JSON array of `count` strings made by `element`.
    static func array(_ count: Int, _ element: (Int) -> String) -> String {
        "[" + (0..<count).map { "\"\(element($0))\"" }.joined(separator: ",") + "]"
    }

    /// A JSON object of `count` members made by `member`.
    static func object(_ count: Int, _ member: (Int) -> (String, String)) -> String {
        "{" + (0..<count).map(member).map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    static func attachments(_ count: Int, filename: String = "a.txt") -> String {
        "[" + Array(repeating: "{\"filename\":\"\(filename)\",\"content\":\"aGk=\"}", count: count).joined(separator: ",") + "]"
    }

    /// A text of `length` bytes in words of four letters, so that header checks on word length pass.
    static func words(_ length: Int) -> String {
        String(String(repeating: "word ", count: length / 5 + 1).prefix(length))
    }

    struct Limit: Sendable, CustomTestStringConvertible {
        var name: String
        /// The email's field (a JSON member) holding `count` elements or bytes.
        var member: @Sendable (Int) -> String
        var maximum: Int
        var code: EmailValidationError.Code
        /// What the refusal must say, given the count.
        var sentence: @Sendable (Int) -> String
        var testDescription: String { name }
    }

    static let cases: [Limit] = [
        Limit(
            name: "to", member: { "\"to\": " + array($0) { "r\($0)@example.com" } }, maximum: 1000, code: .tooManyRecipients,
            sentence: { "to: at most 1000 addresses, got \($0)" }),
        Limit(
            name: "cc", member: { "\"cc\": " + array($0) { "r\($0)@example.com" } }, maximum: 1000, code: .tooManyRecipients,
            sentence: { "cc: at most 1000 addresses, got \($0)" }),
        Limit(
            name: "bcc", member: { "\"bcc\": " + array($0) { "r\($0)@example.com" } }, maximum: 1000, code: .tooManyRecipients,
            sentence: { "bcc: at most 1000 addresses, got \($0)" }),
        Limit(
            name: "reply_to", member: { "\"reply_to\": " + array($0) { "r\($0)@example.com" } }, maximum: 100, code: .invalidField,
            sentence: { "reply_to: at most 100 addresses, got \($0)" }),
        Limit(
            name: "headers", member: { "\"headers\": " + object($0) { ("X-H\($0)", "v") } }, maximum: 100, code: .invalidField,
            sentence: { "headers: at most 100 headers, got \($0)" }),
        Limit(
            name: "header value", member: { "\"headers\": {\"X-Long\": \"\(words($0))\"}" }, maximum: 16 * 1024, code: .invalidHeader,
            sentence: { "headers.X-Long: at most 16384 bytes, got \($0)" }),
        Limit(
            name: "attachments", member: { "\"attachments\": " + attachments($0) }, maximum: 100, code: .invalidField,
            sentence: { "attachments: at most 100 attachments, got \($0)" }),
        Limit(
            name: "attachment filename", member: { "\"attachments\": " + attachments(1, filename: String(repeating: "f", count: $0)) },
            maximum: 255, code: .invalidAttachment, sentence: { _ in "attachments[0].filename: must be 1 to 255 bytes" }),
        Limit(
            name: "tags", member: { "\"tags\": " + array($0) { "t\($0)" } }, maximum: 50, code: .invalidField,
            sentence: { "tags: at most 50 tags, got \($0)" }),
        Limit(
            name: "tag length", member: { "\"tags\": [\"\(String(repeating: "t", count: $0))\"]" }, maximum: 255, code: .invalidField,
            sentence: { _ in "tags[0]: a tag must be 1 to 255 bytes" }),
        Limit(
            name: "variables", member: { "\"variables\": " + object($0) { ("v\($0)", "x") } }, maximum: 1000, code: .invalidField,
            sentence: { "variables: at most 1000 variables, got \($0)" }),
        Limit(
            name: "variable name", member: { "\"variables\": {\"\(String(repeating: "k", count: $0))\": \"x\"}" }, maximum: 128,
            code: .invalidField, sentence: { "a variable name has at most 128 bytes, got \($0)" }),
        Limit(
            name: "variable value", member: { "\"variables\": {\"name\": \"\(String(repeating: "v", count: $0))\"}" },
            maximum: 1024 * 1024, code: .invalidField, sentence: { "variables.name: at most 1048576 bytes, got \($0)" }),
        Limit(
            name: "template", member: { "\"template\": \"\(String(repeating: "t", count: $0))\"" }, maximum: 1024 * 1024,
            code: .invalidField, sentence: { "template: at most 1048576 bytes, got \($0)" }),
        Limit(
            name: "subject", member: { "\"subject\": \"\(String(repeating: "s", count: $0))\"" }, maximum: 4096, code: .invalidField,
            sentence: { "subject: at most 4096 bytes, got \($0)" }),
        Limit(
            name: "idempotency_key", member: { "\"idempotency_key\": \"\(String(repeating: "k", count: $0))\"" }, maximum: 255,
            code: .invalidField, sentence: { _ in "idempotency_key: must be 1 to 255 bytes" }),
    ]

    /// `member` spliced into an email with a text body and, unless `member` gives recipients, one recipient.
    static func email(_ member: String) -> [UInt8] {
        let givesRecipients = ["\"to\"", "\"cc\"", "\"bcc\""].contains { member.hasPrefix($0) }
        let base = givesRecipients ? #""text": "hi""# : #""to": "base@example.com", "text": "hi""#
        return Array("{\(base), \(member)}".utf8)
    }

    @Test(arguments: cases)
    func atTheLimitIsAcceptedAndOnePastIsRefusedNamingTheField(_ limit: Limit) throws {
        _ = try Email(json: Self.email(limit.member(limit.maximum)))
        let error = try #require(EmailValidationTests.error(Self.email(limit.member(limit.maximum + 1))))
        #expect(error.code == limit.code, "\(error)")
        #expect(error.message.contains(limit.sentence(limit.maximum + 1)), "\(error)")
    }

    @Test func recipientsCountAcrossToCcAndBcc() throws {
        let to = "\"to\": " + Self.array(600) { "t\($0)@example.com" }
        _ = try Email(
            json: Self.email(to + ", \"cc\": " + Self.array(300) { "c\($0)@example.com" } + ", \"bcc\": " + Self.array(100) { "b\($0)@example.com" }))
        let error = try #require(EmailValidationTests.error(Self.email(to + ", \"cc\": " + Self.array(401) { "c\($0)@example.com" })))
        #expect(error.code == .tooManyRecipients)
        #expect(error.message == "to, cc, bcc: 1001 recipients, more than the limit of 1000")
    }

    @Test func aHugeListIsRefusedWithItsCount() throws {
        let tags = "\"tags\": " + Self.array(100_000) { _ in "t" }
        let error = try #require(EmailValidationTests.error(Self.email(tags)))
        #expect(error.code == .invalidField)
        #expect(error.message == "tags: at most 50 tags, got 100000")
    }

    @Test func theLimitsCanBeChanged() throws {
        var limits = Email.Limits()
        limits.maximumTags = 2
        limits.maximumHeaders = 1
        _ = try Email(json: Self.email(#""tags": ["a", "b"], "headers": {"X-A": "1"}"#), limits: limits)
        #expect(EmailValidationTests.error(Self.email(#""tags": ["a", "b", "c"]"#), limits: limits)?.message == "tags: at most 2 tags, got 3")
        #expect(
            EmailValidationTests.error(Self.email(#""headers": {"X-A": "1", "X-B": "2"}"#), limits: limits)?.message
                == "headers: at most 1 headers, got 2")
    }
}
