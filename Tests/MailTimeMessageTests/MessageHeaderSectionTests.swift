import MailTimeMessage
import Testing

/// Finding the header section of a submitted message, and the addresses of its From field.
@Suite struct MessageHeaderSectionTests {
    static func section(_ text: String) throws(EmailValidationError) -> MessageHeaderSection {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in Result { () throws(EmailValidationError) in try MessageHeaderSection(buffer) } }.get()
    }

    static func bodies(_ text: String) throws -> [String] {
        let section = try section(text)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer in section.fields.map { MessageHeaderSection.unfoldedBody(of: $0, in: buffer) ?? "<not UTF-8>" } }
    }

    @Test func fieldsFoldsAndTheEndOfTheSection() throws {
        let text = "Subject: a\r\n long\r\n\tsubject\r\nX-Empty:\r\nFrom : ann@example.org\r\n\r\nBody: not a field\r\n"
        let section = try Self.section(text)
        #expect(section.fields.map(\.name) == ["Subject", "X-Empty", "From"])
        #expect(section.fields[0].range == 0..<29)
        #expect(section.fields[2].isNamed("FROM"))
        #expect(section.end == text.utf8.count - "\r\nBody: not a field\r\n".utf8.count)
        #expect(try Self.bodies(text) == ["a long\tsubject", "", "ann@example.org"])
    }

    @Test func aMessageWithoutAnEmptyLineIsAllHeaderSection() throws {
        let section = try Self.section("Subject: a\r\nX: b")
        #expect(section.fields.count == 2)
        #expect(section.end == 16)
        #expect(section.fields[1].range == 12..<16)
        #expect(try Self.section("Subject: a\r\n").end == 12)
    }

    @Test(arguments: [
        ("", "the message is empty"),
        ("\r\nSubject: a\r\n", "starts with an empty line"),
        (" folded\r\nSubject: a\r\n\r\n", "starts with a folded line"),
        ("Hello there\r\n\r\n", "does not start with a header field"),
        ("Subject: a\r\nnot a field\r\n\r\n", "line 2 of the header section is neither"),
        ("Subject: a\nX: b\r\n\r\n", "line 1 of the header section has a bare CR or LF"),
        ("Subject: a\r\nX: b\rc\r\n\r\n", "line 2 of the header section has a bare CR or LF"),
        (": no name\r\n\r\n", "does not start with a header field"),
    ])
    func sectionsThatAreNotHeaderSectionsAreRefused(text: String, reason: String) {
        let error = #expect(throws: EmailValidationError.self) { _ = try Self.section(text) }
        #expect(error?.code == .invalidHeader)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func aBareLFInTheBodyIsNotTheSectionsBusiness() throws {
        #expect(try Self.section("Subject: a\r\n\r\nbare\nLF\r").fields.count == 1)
    }

    @Test(arguments: [
        ("ann@example.org", ["ann@example.org"]),
        ("App <app@example.com>", ["app@example.com"]),
        ("\"Smith, Ann\" <ann@example.org>, bob@example.net (Bob, the builder)", ["ann@example.org", "bob@example.net"]),
        ("=?UTF-8?Q?J=C3=B6rg?= <jörg@bücher.example>", ["jörg@xn--bcher-kva.example"]),
        ("Zoë <zoe@example.com>", ["zoe@example.com"]),
        ("<@relay.example:ann@example.org>", ["ann@example.org"]),
        ("\"a b\"@example.org", ["\"a b\"@example.org"]),
        ("ann@example.org,, bob@example.net", ["ann@example.org", "bob@example.net"]),
        ("App (the <app>) <app@example.com>", ["app@example.com"]),
    ])
    func mailboxListsGiveTheirAddresses(value: String, addresses: [String]) throws {
        #expect(try EmailAddress.mailboxList(value, field: "From").map(\.address) == addresses)
    }

    @Test(arguments: [
        "", "App", "<>", "undisclosed-recipients:;", "App <app@example.com", "a <b@example.com> c", "(unclosed", "ann@", "\"open@example.org",
    ])
    func malformedMailboxListsAreRefused(value: String) {
        let error = #expect(throws: EmailValidationError.self) { _ = try EmailAddress.mailboxList(value, field: "From") }
        #expect(error?.message.hasPrefix("From: ") == true)
    }
}
