@testable import MailTimeSMTP
import NIOCore
import Testing

/// `SMTPCapabilities(ehloReply:)`: the service extensions of RFC 5321 §4.1.1.1 EHLO replies.
@Suite struct SMTPCapabilitiesTests {
    static func capabilities(_ wire: String) throws -> SMTPCapabilities {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: wire)
        let reply = try #require(try parser.next(from: &buffer))
        #expect(buffer.readableBytes == 0)
        return SMTPCapabilities(ehloReply: reply)
    }

    @Test func noneByDefault() {
        let capabilities = SMTPCapabilities()
        #expect(!capabilities.isExtended)
        #expect(!capabilities.startTLS)
        #expect(!capabilities.pipelining)
        #expect(!capabilities.eightBitMIME)
        #expect(!capabilities.smtpUTF8)
        #expect(!capabilities.enhancedStatusCodes)
        #expect(!capabilities.deliveryStatusNotifications)
        #expect(capabilities.maximumSize == nil)
        #expect(capabilities.authenticationMechanisms.isEmpty)
    }

    @Test func postfixBeforeSTARTTLS() throws {
        let capabilities = try Self.capabilities(
            "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"
        )
        var expected = SMTPCapabilities()
        expected.isExtended = true
        expected.pipelining = true
        expected.maximumSize = 10_240_000
        expected.startTLS = true
        expected.enhancedStatusCodes = true
        expected.eightBitMIME = true
        expected.deliveryStatusNotifications = true
        expected.smtpUTF8 = true
        #expect(capabilities == expected)
    }

    @Test func postfixAfterSTARTTLSWithSASL() throws {
        let capabilities = try Self.capabilities(
            "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n"
        )
        var expected = SMTPCapabilities()
        expected.isExtended = true
        expected.pipelining = true
        expected.maximumSize = 10_240_000
        expected.authenticationMechanisms = ["PLAIN", "LOGIN"]
        expected.enhancedStatusCodes = true
        expected.eightBitMIME = true
        expected.deliveryStatusNotifications = true
        #expect(capabilities == expected)
    }

    @Test func gmailSubmission() throws {
        let capabilities = try Self.capabilities(
            "250-smtp.gmail.com at your service, [192.0.2.7]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n"
                + "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n250-ENHANCEDSTATUSCODES\r\n"
                + "250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n"
        )
        var expected = SMTPCapabilities()
        expected.isExtended = true
        expected.maximumSize = 35_882_577
        expected.eightBitMIME = true
        expected.authenticationMechanisms = ["LOGIN", "PLAIN", "XOAUTH2", "PLAIN-CLIENTTOKEN", "OAUTHBEARER", "XOAUTH"]
        expected.enhancedStatusCodes = true
        expected.pipelining = true
        expected.smtpUTF8 = true
        #expect(capabilities == expected)
        #expect(!capabilities.startTLS)
    }

    @Test func gmailBeforeSTARTTLS() throws {
        let capabilities = try Self.capabilities(
            "250-smtp.gmail.com at your service, [192.0.2.7]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n"
        )
        #expect(capabilities.startTLS)
        #expect(capabilities.authenticationMechanisms.isEmpty)
        #expect(capabilities.maximumSize == 35_882_577)
    }

    @Test func oldAuthEqualsSyntax() throws {
        let capabilities = try Self.capabilities("250-old.example.com\r\n250-AUTH=LOGIN\r\n250 HELP\r\n")
        #expect(capabilities.authenticationMechanisms == ["LOGIN"])
    }

    @Test func oldAuthEqualsSyntaxWithSeveralMechanisms() throws {
        let capabilities = try Self.capabilities("250-old.example.com\r\n250-AUTH=LOGIN PLAIN\r\n250 HELP\r\n")
        #expect(capabilities.authenticationMechanisms == ["LOGIN", "PLAIN"])
    }

    @Test func exchangeStyleBothSyntaxes() throws {
        let capabilities = try Self.capabilities(
            "250-EX01.example.com Hello [192.0.2.9]\r\n250-SIZE 37748736\r\n250-PIPELINING\r\n250-DSN\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250-AUTH NTLM LOGIN\r\n250-AUTH=LOGIN\r\n250-8BITMIME\r\n"
                + "250-BINARYMIME\r\n250 CHUNKING\r\n"
        )
        #expect(capabilities.authenticationMechanisms == ["NTLM", "LOGIN"])
        #expect(capabilities.maximumSize == 37_748_736)
        #expect(capabilities.pipelining)
        #expect(capabilities.deliveryStatusNotifications)
        #expect(!capabilities.startTLS)
    }

    @Test func authWithoutMechanisms() throws {
        let capabilities = try Self.capabilities("250-mx.example.net\r\n250 AUTH\r\n")
        #expect(capabilities.authenticationMechanisms.isEmpty)
    }

    @Test func sizeWithANumber() throws {
        #expect(try Self.capabilities("250-mx.example.net\r\n250 SIZE 52428800\r\n").maximumSize == 52_428_800)
    }

    @Test func sizeWithoutANumberMeansNoDeclaredLimit() throws {
        #expect(try Self.capabilities("250-mx.example.net\r\n250 SIZE\r\n").maximumSize == 0)
    }

    @Test func sizeZeroMeansNoDeclaredLimit() throws {
        #expect(try Self.capabilities("250-mx.example.net\r\n250 SIZE 0\r\n").maximumSize == 0)
    }

    @Test func noSizeWhenNotAnnounced() throws {
        #expect(try Self.capabilities("250-mx.example.net\r\n250 PIPELINING\r\n").maximumSize == nil)
    }

    @Test func keywordsAndMechanismsAreCaseInsensitive() throws {
        let capabilities = try Self.capabilities(
            "250-mx.example.net\r\n250-starttls\r\n250-Pipelining\r\n250-size 1000\r\n250-8bitmime\r\n"
                + "250-SmtpUtf8\r\n250-EnhancedStatusCodes\r\n250-dsn\r\n250-auth plain Login xoauth2\r\n250 auth=cram-md5\r\n"
        )
        var expected = SMTPCapabilities()
        expected.isExtended = true
        expected.startTLS = true
        expected.pipelining = true
        expected.maximumSize = 1000
        expected.eightBitMIME = true
        expected.smtpUTF8 = true
        expected.enhancedStatusCodes = true
        expected.deliveryStatusNotifications = true
        expected.authenticationMechanisms = ["PLAIN", "LOGIN", "XOAUTH2", "CRAM-MD5"]
        #expect(capabilities == expected)
    }

    @Test func theFirstLineIsTheServersNameNotAnExtension() throws {
        let capabilities = try Self.capabilities("250-STARTTLS\r\n250 SIZE 10\r\n")
        #expect(!capabilities.startTLS)
        #expect(capabilities.maximumSize == 10)
    }

    @Test func singleLineReplyHasNoExtensions() throws {
        var expected = SMTPCapabilities()
        expected.isExtended = true
        #expect(try Self.capabilities("250 mx.example.net Hello\r\n") == expected)
    }

    @Test func unknownExtensionsAndParametersAreIgnored() throws {
        let capabilities = try Self.capabilities(
            "250-mx.example.net\r\n250-X-EXPS GSSAPI NTLM\r\n250-XXFORWARD NAME ADDR\r\n250-STARTTLSX\r\n250-PIPELININGS\r\n250 \r\n"
        )
        var expected = SMTPCapabilities()
        expected.isExtended = true
        #expect(capabilities == expected)
    }
}
