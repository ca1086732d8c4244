@testable import MailTimeMessage
import Testing

@Suite struct EmailAddressTests {
    @Test(arguments: [
        "simple@example.com",
        "very.common@example.com",
        "x@example.com",
        "long.email-address-with-hyphens@and.subdomains.example.com",
        "user.name+tag+sorting@example.com",
        "name/surname@example.com",
        "admin@mailserver1",
        "mailhost!username@example.org",
        "user%example.com@example.org",
        "user-@example.org",
        "!#$%&'*+-/=?^_`{|}~@example.org",
        "\"john..doe\"@example.org",
        "\" \"@example.org",
        "\"very.(),:;<>[]\\\".VERY.\\\"very@\\\\ \\\"very\\\".unusual\"@strange.example.com",
        "postmaster@[123.123.123.123]",
        "postmaster@[IPv6:2001:0db8:85a3:0000:0000:8a2e:0370:7334]",
        "postmaster@[IPv6:::1]",
        "jörg@example.com",
        "用户@xn--fsqu00a.xn--4rr70v",
        "a@1example.com",
        "a@xn--bcher-kva.example",
    ])
    func validAddresses(_ address: String) throws {
        let parsed = try EmailAddress(address)
        #expect(parsed.address == address)
        #expect(parsed.displayName == nil)
        #expect(parsed.localPart + "@" + parsed.domain == address)
    }

    @Test(arguments: [
        ("", "empty"),
        ("plainaddress", "no \"@\""),
        ("@example.com", "local part is empty"),
        ("bob@", "domain is missing"),
        ("a@b@c.example", "needs quoting"),
        ("a..b@example.com", "two dots"),
        (".a@example.com", "starts or ends with a dot"),
        ("a.@example.com", "starts or ends with a dot"),
        ("a b@example.com", "needs quoting"),
        ("a\"b@example.com", "needs quoting"),
        ("a(b)@example.com", "needs quoting"),
        ("\"unclosed@example.com", "quoted local part"),
        ("\"a\"b@example.com", "followed by \"@\""),
        ("a@-example.com", "hyphen"),
        ("a@example-.com", "hyphen"),
        ("a@example..com", "empty label"),
        ("a@example.com.", "empty label"),
        ("a@exa_mple.com", "no host name can hold"),
        ("a@192.168.0.1", "numeric label"),
        ("a@[192.168.0.256]", "not an IPv4"),
        ("a@[1.2.3]", "not an IPv4"),
        ("a@[IPv6:12345::]", "not an IPv6"),
        ("a@[192.168.0.1", "not closed"),
        ("a@" + String(repeating: "l", count: 64) + ".com", "longer than 63"),
        (String(repeating: "l", count: 65) + "@example.com", "longer than 64"),
        ("a@" + Array(repeating: String(repeating: "d", count: 50), count: 5).joined(separator: ".") + ".com", "longer than 254"),
        ("a\u{0}b@example.com", "needs quoting"),
    ])
    func invalidAddresses(_ address: String, reason: String) {
        #expect {
            try EmailAddress(address)
        } throws: { error in
            let error = error as! EmailValidationError
            return error.code == .invalidAddress && error.message.contains(reason)
                && error.message.hasPrefix("address: ") && !error.message.contains("\n")
        }
    }

    @Test func domainUpTo255OctetsButAddressUpTo254() throws {
        let domain = Array(repeating: String(repeating: "d", count: 61), count: 4).joined(separator: ".")
        #expect(domain.utf8.count == 247)
        _ = try EmailAddress("abcdef@" + domain)
        #expect(throws: EmailValidationError.self) { try EmailAddress("abcdefgh@" + domain) }
    }

    @Test func displayNameForms() throws {
        let plain = try EmailAddress("Jane Doe <jane@example.com>")
        #expect(plain.displayName == "Jane Doe")
        #expect(plain.address == "jane@example.com")

        let quoted = try EmailAddress("\"Doe, Jane \\\"JD\\\"\" <jane@example.com>")
        #expect(quoted.displayName == "Doe, Jane \"JD\"")

        let bracketsOnly = try EmailAddress("  <jane@example.com>  ")
        #expect(bracketsOnly.displayName == nil)

        let unicode = try EmailAddress("Zoë 日本 <zoe@example.com>")
        #expect(unicode.displayName == "Zoë 日本")
        #expect(!unicode.needsSMTPUTF8)

        let quotedLocal = try EmailAddress("Odd <\"a<b>\"@example.com>")
        #expect(quotedLocal.address == "\"a<b>\"@example.com")
        #expect(quotedLocal.localPart == "\"a<b>\"")
    }

    @Test func descriptionParsesBackToTheSameMailbox() throws {
        for text in ["a@example.com", "Jane <j@example.com>", "\"Doe, \\\"J\\\" \\\\ x\" <j@example.com>", "\"\\\"x\\\"\" <j@example.com>"] {
            let address = try EmailAddress(text)
            #expect(try EmailAddress(address.description) == address)
        }
        let made = try EmailAddress(address: "j@example.com", displayName: "a \"b\" <c>, d")
        #expect(try EmailAddress(made.description) == made)
    }

    @Test func onlyUTF8LocalPartsNeedSMTPUTF8() throws {
        #expect(try EmailAddress("jörg@example.com").needsSMTPUTF8)
        #expect(try EmailAddress("jörg@bücher.example").needsSMTPUTF8)
        // The domain becomes an A-label, which every server takes.
        #expect(!(try EmailAddress("j@bücher.example").needsSMTPUTF8))
        #expect(!(try EmailAddress("Jörg <j@example.com>").needsSMTPUTF8))
    }

    /// The forms of a mailbox string protocol.md lists, each with what it parses to.
    @Test(
        arguments: [
            ("ann@example.com", nil, "ann@example.com"),
            ("<ann@example.com>", nil, "ann@example.com"),
            ("  <ann@example.com>  ", nil, "ann@example.com"),
            ("Ann Smith <ann@example.com>", "Ann Smith", "ann@example.com"),
            ("Ann<ann@example.com>", "Ann", "ann@example.com"),
            ("\"Smith, Ann\" <ann@example.com>", "Smith, Ann", "ann@example.com"),
            ("\"\" <ann@example.com>", nil, "ann@example.com"),
            ("Zoë <zoë@example.com>", "Zoë", "zoë@example.com"),
            ("\"a b\"@example.com", nil, "\"a b\"@example.com"),
            ("ann@[192.0.2.1]", nil, "ann@[192.0.2.1]"),
            ("Ann <ann@bücher.example>", "Ann", "ann@xn--bcher-kva.example"),
        ] as [(String, String?, String)])
    func acceptedForms(_ text: String, displayName: String?, address: String) throws {
        let mailbox = try EmailAddress(text)
        #expect(mailbox.displayName == displayName)
        #expect(mailbox.address == address)
    }

    /// RFC 5322 forms that are not accepted: comments, groups, lists, source routes, a name without brackets.
    @Test(arguments: [
        "ann@example.com (Ann)",
        "(Ann) ann@example.com",
        "friends: ann@example.com, bob@example.com;",
        "ann@example.com, bob@example.com",
        "<@relay.example:ann@example.com>",
        "Ann ann@example.com",
        "Ann <ann@example.com",
        "Ann ann@example.com>",
        "<>",
    ])
    func refusedForms(_ text: String) {
        #expect {
            try EmailAddress(text)
        } throws: { error in
            (error as? EmailValidationError)?.code == .invalidAddress
        }
    }

    /// Domains with non-ASCII characters become A-labels (RFC 5891): NFC, lower case, `xn--` and Punycode.
    @Test(arguments: [
        ("a@bücher.example", "a@xn--bcher-kva.example"),
        ("jörg@bücher.example", "jörg@xn--bcher-kva.example"),
        ("a@BÜCHER.Example", "a@xn--bcher-kva.example"),
        ("a@bu\u{308}cher.example", "a@xn--bcher-kva.example"),
        ("a@例子.广告", "a@xn--fsqu00a.xn--4rr70v"),
        ("a@mail.münchen.de", "a@mail.xn--mnchen-3ya.de"),
        ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),
        ("a@XN--BCHER-KVA.Example", "a@XN--BCHER-KVA.Example"),
        ("a@Example.COM", "a@Example.COM"),
    ])
    func idnDomainsBecomeALabels(_ text: String, address: String) throws {
        let mailbox = try EmailAddress(text)
        #expect(mailbox.address == address)
        #expect(mailbox.domain.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test(arguments: [
        ("a@-bücher.example", "starts or ends with a hyphen"),
        ("a@bü--cher.example", "third and fourth places"),
        ("a@\u{308}bc.example", "combining mark"),
        ("a@bü☃.example", "U+2603"),
        ("a@例子。广告", "U+3002"),
        ("a@bü cher.example", "U+20"),
        ("a@bü\u{200D}cher.example", "U+200D"),
        ("a@" + String(repeating: "ü", count: 60) + ".example", "as an A-label, more than 63"),
        // 253 octets as given, a 287-octet domain as A-labels.
        ("a@" + Array(repeating: "他們爲什麽不說中文", count: 9).joined(separator: "."), "more than 253"),
        ("a@xn--bcher-kv!.example", "not valid Punycode"),
        ("a@xn--a.example", "not a valid A-label"),
        ("a@xn--.example", "not valid Punycode"),
    ])
    func invalidIDNDomainsAreRefused(_ text: String, reason: String) {
        #expect {
            try EmailAddress(text)
        } throws: { error in
            let error = error as! EmailValidationError
            return error.code == .invalidAddress && error.message.contains(reason)
        }
    }

    @Test func lengthsCountOctetsBeforeAndAfterTheConversion() throws {
        // Too long as given, whatever its A-label form (RFC 6531 counts octets).
        let long = "a@" + String(repeating: "ü", count: 124)
        #expect(long.utf8.count == 250)
        _ = try EmailAddress("a@" + String(repeating: "ü", count: 20) + ".example")
        #expect {
            try EmailAddress(long + "xyz.e")
        } throws: { error in
            (error as? EmailValidationError)?.message.contains("longer than 254 octets") == true
        }
    }

    @Test func displayNamesUpTo1024Bytes() throws {
        _ = try EmailAddress(address: "a@example.com", displayName: String(repeating: "n", count: 1024))
        #expect {
            try EmailAddress(String(repeating: "n", count: 1025) + " <a@example.com>")
        } throws: { error in
            let error = error as! EmailValidationError
            return error.code == .invalidAddress && error.message == "address: the display name is longer than 1024 bytes (1025)"
        }
    }

    @Test func storedAddressesWithUnicodeDomainsAreReadAsALabels() throws {
        #expect(EmailAddress(trusting: "Ann <ann@bücher.example>") == (try EmailAddress("Ann <ann@xn--bcher-kva.example>")))
        #expect(EmailAddress(trusting: "ann@bücher.example").address == "ann@xn--bcher-kva.example")
    }

    @Test func lineBreaksAreHeaderInjection() {
        for text in ["Evil\r\nBcc: x@example.com <a@example.com>", "a@example.com\nBcc: x@example.com", "A\rB <a@example.com>"] {
            #expect {
                try EmailAddress(text)
            } throws: { error in
                (error as? EmailValidationError)?.code == .headerInjection
            }
        }
        #expect(throws: EmailValidationError.self) { try EmailAddress(address: "a@example.com", displayName: "x\ny") }
    }

    @Test func controlCharactersInDisplayNamesAreRefused() {
        #expect {
            try EmailAddress("A\u{7}B <a@example.com>")
        } throws: { error in
            (error as? EmailValidationError)?.code == .invalidAddress
        }
    }
}
