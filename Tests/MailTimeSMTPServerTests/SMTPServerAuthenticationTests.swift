import MailTimeSMTP
import NIOCore
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server state machine: STARTTLS and AUTH")
struct SMTPServerAuthenticationTests {
    /// A session over TLS after EHLO, not trusted.
    private static func inTLS() -> SMTPServerTestDriver {
        var driver = SMTPServerTestDriver(isTLS: true)
        _ = driver.drain()
        _ = driver.send("EHLO client.test\r\n")
        return driver
    }

    @Test("STARTTLS answers 220, starts TLS, and the session starts over after the handshake")
    func startTLS() {
        var driver = SMTPServerTestDriver()
        _ = driver.drain()
        #expect(driver.send("EHLO a\r\nMAIL FROM:<a@example.com>\r\n").contains("530 5.7.0 Authentication required"))
        #expect(driver.send("STARTTLS\r\n") == ["220 2.0.0 Ready to start TLS", "<start TLS>", "<await input>"])
        #expect(driver.machine.timeout == nil)
        driver.machine.tlsEstablished(protocol: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")
        #expect(driver.machine.session.isTLS)
        #expect(driver.machine.session.heloName == nil)
        #expect(driver.machine.session.tlsProtocol == "TLSv1.3")
        #expect(driver.replies("AUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == ["503 5.5.1 Send EHLO first"])
        #expect(driver.replies("EHLO a\r\n")[0].hasSuffix("250 AUTH PLAIN LOGIN"))
        #expect(driver.replies("STARTTLS\r\n") == ["503 5.5.1 TLS already active"])
    }

    @Test("plaintext pipelined after STARTTLS is an injection: 421 4.7.0 and close, no TLS")
    func startTLSInjection() {
        var driver = SMTPServerTestDriver()
        _ = driver.drain()
        _ = driver.send("EHLO a\r\n")
        #expect(
            driver.send("STARTTLS\r\nAUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == [
                "421 4.7.0 Pipelined data after STARTTLS, closing connection", "<close>", "<await result>",
            ])
    }

    @Test("STARTTLS errors: before EHLO, with an argument, without a TLS context")
    func startTLSErrors() {
        var driver = SMTPServerTestDriver()
        _ = driver.drain()
        #expect(driver.replies("STARTTLS\r\n") == ["503 5.5.1 Send EHLO first"])
        #expect(driver.replies("STARTTLS now\r\n") == ["501 5.5.4 Syntax: STARTTLS"])
        var none = SMTPServerTestDriver(isTLSAvailable: false)
        _ = none.drain()
        _ = none.send("EHLO a\r\n")
        #expect(none.replies("STARTTLS\r\n") == ["502 5.5.1 STARTTLS not available"])
    }

    @Test("AUTH before TLS is 530 5.7.0")
    func authBeforeTLS() {
        var driver = SMTPServerTestDriver()
        _ = driver.drain()
        _ = driver.send("EHLO a\r\n")
        #expect(driver.replies("AUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == ["530 5.7.0 Must issue a STARTTLS command first"])
    }

    @Test("AUTH PLAIN with an initial response, success 235 2.7.0, then MAIL is allowed")
    func plainInitialResponse() {
        var driver = Self.inTLS()
        #expect(driver.send("AUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == ["<authenticate ann s3cret>", "<await result>"])
        #expect(driver.machine.timeout == nil)
        driver.machine.authenticationCompleted(SMTPServerIdentity(username: "ann"))
        #expect(driver.drain() == ["235 2.7.0 Authentication successful", "<await input>"])
        #expect(driver.machine.session.identity?.username == "ann")
        #expect(driver.replies("AUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == ["503 5.5.1 Already authenticated"])
        #expect(driver.replies("MAIL FROM:<a@example.com>\r\n") == ["250 2.1.0 Sender OK"])
    }

    @Test("AUTH PLAIN after a 334 challenge; an authorization identity other than the user is refused")
    func plainChallenge() {
        var driver = Self.inTLS()
        #expect(driver.send("AUTH PLAIN\r\n") == ["334 ", "<await input>"])
        #expect(driver.send("YW5uAGFubgBwdw==\r\n") == ["<authenticate ann pw>", "<await result>"])
        driver.machine.authenticationCompleted(nil)
        #expect(driver.drain() == ["535 5.7.8 Authentication credentials invalid", "<await input>"])
        #expect(driver.replies("AUTH PLAIN Ym9iAGFubgBwdw==\r\n") == ["535 5.7.8 Authentication credentials invalid"])
        #expect(driver.replies("AUTH PLAIN YW5u\r\n") == ["501 5.5.2 Malformed PLAIN response"])
        #expect(driver.replies("AUTH PLAIN !!!\r\n") == ["501 5.5.2 Cannot decode the response as base64"])
    }

    @Test("AUTH LOGIN asks for the user name and the password; an initial response skips the first")
    func login() {
        var driver = Self.inTLS()
        #expect(driver.send("AUTH LOGIN\r\n") == ["334 VXNlcm5hbWU6", "<await input>"])
        #expect(driver.send("YW5u\r\n") == ["334 UGFzc3dvcmQ6", "<await input>"])
        #expect(driver.send("czNjcmV0\r\n") == ["<authenticate ann s3cret>", "<await result>"])
        driver.machine.authenticationCompleted(nil)
        _ = driver.drain()
        #expect(driver.send("AUTH LOGIN YW5u\r\n") == ["334 UGFzc3dvcmQ6", "<await input>"])
        #expect(driver.send("czNjcmV0\r\n") == ["<authenticate ann s3cret>", "<await result>"])
    }

    @Test("* cancels AUTH with 501 5.0.0; an unknown mechanism is 504 5.5.4; AUTH in a transaction is 503")
    func authErrors() {
        var driver = Self.inTLS()
        _ = driver.send("AUTH LOGIN\r\n")
        #expect(driver.replies("*\r\n") == ["501 5.0.0 Authentication cancelled"])
        #expect(driver.replies("AUTH CRAM-MD5\r\n") == ["504 5.5.4 Unrecognized authentication type"])
        #expect(driver.replies("AUTH\r\n") == ["501 5.5.4 Syntax: AUTH mechanism [initial-response]"])
        var trusted = SMTPServerTestDriver.ready(isTLS: true)
        _ = trusted.send("MAIL FROM:<a@example.com>\r\n")
        #expect(trusted.replies("AUTH PLAIN AGFubgBzM2NyZXQ=\r\n") == ["503 5.5.1 AUTH not allowed during a mail transaction"])
    }

    @Test("an AUTH line may be longer than 512 octets")
    func longAuthLine() {
        var driver = Self.inTLS()
        let password = String(repeating: "p", count: 600)
        let response = String(decoding: Base64Test.encode(Array("\0ann\0\(password)".utf8)), as: UTF8.self)
        #expect(driver.send("AUTH PLAIN \(response)\r\n") == ["<authenticate ann \(password)>", "<await result>"])
    }
}

/// Base64 for the tests' AUTH lines.
enum Base64Test {
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 0x3F] : UInt8(ascii: "="))
            }
            index += 3
        }
        return output
    }
}

@Suite("IPNetwork")
struct IPNetworkTests {
    @Test("CIDR networks and bare addresses, IPv4 and IPv6, contain the right addresses")
    func contains() throws {
        let loopback = try IPNetwork("127.0.0.0/8")
        #expect(loopback.contains(try SocketAddress(ipAddress: "127.1.2.3", port: 1)))
        #expect(!loopback.contains(try SocketAddress(ipAddress: "128.0.0.1", port: 1)))
        #expect(loopback.contains(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 1)))
        #expect(!loopback.contains(try SocketAddress(ipAddress: "::1", port: 1)))
        let host = try IPNetwork("192.0.2.7")
        #expect(host.prefixLength == 32)
        #expect(host.contains(try SocketAddress(ipAddress: "192.0.2.7", port: 25)))
        #expect(!host.contains(try SocketAddress(ipAddress: "192.0.2.8", port: 25)))
        let six = try IPNetwork("2001:db8::/32")
        #expect(six.contains(try SocketAddress(ipAddress: "2001:db8:1::5", port: 1)))
        #expect(!six.contains(try SocketAddress(ipAddress: "2001:db9::5", port: 1)))
        #expect(try IPNetwork("::1").prefixLength == 128)
        #expect(try IPNetwork("10.1.2.3/8").description == "10.0.0.0/8")
        #expect(try IPNetwork("0.0.0.0/0").contains(try SocketAddress(ipAddress: "203.0.113.9", port: 1)))
    }

    @Test(
        "malformed networks are refused with a clear error",
        arguments: ["", "10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/", "10.0.0.0/+8", "1.2.3.4/8/9"])
    func malformed(text: String) {
        #expect {
            try IPNetwork(text)
        } throws: { error in
            (error as? SMTPServerError)?.code == .invalidNetwork && "\(error)".contains("is not an IP network")
        }
    }
}
