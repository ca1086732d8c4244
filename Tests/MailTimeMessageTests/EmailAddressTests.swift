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
        "jörg@bücher.example",
        "用户@例子.广告",
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

    @Test func utf8AddressesNeedSMTPUTF8() throws {
        #expect(try EmailAddress("jörg@example.com").needsSMTPUTF8)
        #expect(try EmailAddress("j@bücher.example").needsSMTPUTF8)
        #expect(!(try EmailAddress("Jörg <j@example.com>").needsSMTPUTF8))
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
