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

    /// A domain that starts with a combining mark: the split at the last `@` crashed (an `@` followed by a
    /// combining mark is not the character "@"); such a domain is now refused as IDNA refuses it.
    @Test func anAtSignFollowedByACombiningMarkIsRefusedNotACrash() {
        let error = #expect(throws: EmailValidationError.self) { try EmailAddress("q@\u{07AE}x.example") }
        #expect(error?.message.contains("combining mark") == true, "\(String(describing: error))")
    }
}
