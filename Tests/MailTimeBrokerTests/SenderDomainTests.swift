import Foundation
@testable import MailTimeBroker
import MailTimeProtocol
import Testing

/// Tokens limited to sender domains: how the setting is read, and `SEND`'s `SENDER_NOT_ALLOWED`.
@Suite struct SenderDomainTests {
    static let producer = "producer-token-0123456789"
    static let digest = "sha256:" + TokenAuthenticator.digest("hashed-token-0123456789").map { String(format: "%02x", $0) }.joined()

    @Test func aTokenEntryMayNameItsSenderDomains() throws {
        let authenticator = try TokenAuthenticator(tokens: [
            .producer: [Self.producer + ";example.com; Mail.Example.ORG ;bücher.example", Self.digest + ";example.net"],
            .admin: ["admin-token-0123456789"],
        ])
        #expect(
            authenticator.grant(for: Self.producer)
                == .init(role: .producer, allowedSenderDomains: ["example.com", "mail.example.org", "xn--bcher-kva.example"])
        )
        #expect(authenticator.grant(for: "hashed-token-0123456789") == .init(role: .producer, allowedSenderDomains: ["example.net"]))
        #expect(authenticator.grant(for: "admin-token-0123456789") == .init(role: .admin, allowedSenderDomains: nil))
        #expect(authenticator.role(of: Self.producer) == .producer)
        // The domains are not part of the token.
        #expect(authenticator.grant(for: Self.producer + ";example.com") == nil)
        #expect(authenticator.grant(for: "unknown-token-0123456789") == nil)
    }

    @Test(arguments: [
        ("producer-token-0123456789;", "sender domain \"\" is not a domain name"),
        ("producer-token-0123456789;example.com;", "sender domain \"\" is not a domain name"),
        ("producer-token-0123456789;ann@example.com", "sender domain \"ann@example.com\" is not a domain name"),
        ("producer-token-0123456789;exa mple.com", "sender domain \"exa mple.com\" is not a domain name"),
        ("producer-token-0123456789;[192.0.2.1]", "sender domain \"[192.0.2.1]\" is not a domain name"),
        ("short;example.com", "must have at least 16 characters"),
        (";example.com", "must have at least 16 characters"),
        ("sha256:abcd;example.com", "sha256: digest must be 64 hex digits"),
    ])
    func badEntriesAreRefusedWithOneLine(entry: String, reason: String) {
        let error = #expect(throws: BrokerConfigurationError.self) { _ = try TokenAuthenticator(tokens: [.producer: [entry]]) }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(reason), "\(text)")
        #expect(!text.contains("\n"))
        #expect(!text.contains("producer-token-0123456789"), "the token itself is never shown")
    }

    @Test func sendFromAnotherDomainIsRefusedAfterTheDefaultSenderApplies() async throws {
        try await CommandFixture.run({ $0.defaultFrom = "noreply@example.net" }) { fixture in
            let domains = ["example.com"]
            let own = #"{"from":"app@Example.COM","to":"ann@example.org","text":"hi"}"#
            #expect(try await fixture.reply("SEND \(own)", allowedSenderDomains: domains).line.hasPrefix("OK "))
            let other = #"{"from":"app@evil.example","to":"ann@example.org","text":"hi"}"#
            let refused = try await fixture.reply("SEND \(other)", allowedSenderDomains: domains)
            #expect(
                refused.line == "ERR SENDER_NOT_ALLOWED from: the token may not send from evil.example; it may send from example.com"
            )
            // No from: the default sender's domain is the one checked.
            let defaulted = #"{"to":"ann@example.org","text":"hi"}"#
            #expect(CommandFixture.errorCode(try await fixture.reply("SEND \(defaulted)", allowedSenderDomains: domains)) == "SENDER_NOT_ALLOWED")
            #expect(try await fixture.reply("SEND \(defaulted)", allowedSenderDomains: ["example.net"]).line.hasPrefix("OK "))
            #expect(try await fixture.reply("SEND \(other)", allowedSenderDomains: nil).line.hasPrefix("OK "))
            #expect(try await fixture.queue.stats().count(.ready) == 3)
        }
    }

    @Test func theSessionKeepsItsTokensDomainsUntilTheNextAuth() async throws {
        let limited = "limited-token-0123456789"
        try await ConnectionFixture.run(tokens: [.producer: [limited + ";example.com", Self.producer]]) { connection in
            _ = try await connection.lines(1)
            let other = #"{"from":"app@evil.example","to":"ann@example.org","text":"hi"}"#
            try await connection.send("AUTH \(limited)\r\nSEND \(other)\r\nAUTH \(Self.producer)\r\nSEND \(other)\r\n")
            let lines = try await connection.lines(4)
            #expect(lines[0] == "OK producer")
            #expect(lines[1].hasPrefix("ERR SENDER_NOT_ALLOWED "))
            #expect(lines[2] == "OK producer")
            #expect(lines[3].hasPrefix("OK "))
        }
    }
}
