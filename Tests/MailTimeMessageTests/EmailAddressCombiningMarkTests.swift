import MailTimeMessage
import Testing

/// Quotes, backslashes and `@` followed by a combining mark (found by the `email-address` fuzz
/// target): as characters, the mark hides the quote, backslash or `@` it follows.
@Suite struct EmailAddressCombiningMarkTests {
    /// U+07AA THAANA ABAFILI and U+0301 COMBINING ACUTE ACCENT, which combine with what precedes them.
    @Test(arguments: ["\u{07AA}oe, \\\"J\\\" \\\\ x\"", "\"\u{0301}quoted\"", "back\\\u{0301}slash", "x\u{0301}"])
    func displayNameReadsBackFromItsDescription(_ name: String) throws {
        let mailbox = try EmailAddress(address: "j@example.com", displayName: name)
        #expect(try EmailAddress(mailbox.description) == mailbox)
        #expect(mailbox.displayName == name)
    }

    @Test func quotedDisplayNameStartingWithACombiningMarkIsUnquoted() throws {
        let mailbox = try EmailAddress("\"\u{07AA}x\" <j@example.com>")
        #expect(mailbox.displayName == "\u{07AA}x")
        #expect(mailbox.address == "j@example.com")
    }

    /// A domain that starts with a combining mark: the split at the last `@` crashed.
    @Test func addressSplitsAtAnAtSignFollowedByACombiningMark() throws {
        let mailbox = try EmailAddress("q@\u{07AE}x.example")
        #expect(mailbox.localPart == "q")
        #expect(mailbox.domain == "\u{07AE}x.example")
        let email = Email(from: mailbox, to: [mailbox, try EmailAddress("r@example.com")], text: "t")
        #expect(email.recipients.count == 2)
    }
}
