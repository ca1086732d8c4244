import MailTimeDelivery
import MailTimeSMTP
import Testing

@Suite struct ProviderSpecificationTests {
    @Test func aFullSpecification() throws {
        let provider = try ProviderConfiguration(
            specification:
                "name=main;host=smtp.example.com;port=465;tls=implicit;user=app;password-env=SMTP_PW;auth=login;max-connections=5;rate=50;weight=3;default-from=app@example.com",
            environment: ["SMTP_PW": "s3cret"]
        )
        #expect(provider.name == "main")
        #expect(provider.smtp.host == "smtp.example.com")
        #expect(provider.smtp.port == 465)
        #expect(provider.smtp.tlsPolicy == .implicit)
        #expect(provider.smtp.credentials == SMTPCredentials(username: "app", secret: "s3cret", mechanism: .login))
        #expect(provider.maximumConnections == 5)
        #expect(provider.messagesPerSecond == 50)
        #expect(provider.weight == 3)
        #expect(provider.defaultFrom == "app@example.com")
        #expect(!"\(provider.smtp.credentials!)".contains("s3cret"))
    }

    @Test func defaultsAreSafe() throws {
        let provider = try ProviderConfiguration(specification: "host=relay.example.com", environment: [:])
        #expect(provider.name == "relay.example.com")
        #expect(provider.smtp.port == 587)
        #expect(provider.smtp.tlsPolicy == .startTLSRequired)
        #expect(!provider.smtp.allowsPlaintextAuthentication)
        #expect(provider.smtp.credentials == nil)
    }

    @Test(arguments: [
        "port=25",
        "host=x;port=0",
        "host=x;tls=sometimes",
        "host=x;user=app",
        "host=x;user=app;password-env=MISSING",
        "host=x;colour=blue",
        "host=x;rate=-1",
        "host=x;weight",
    ])
    func badSpecificationsAreRefusedWithAReason(_ specification: String) {
        #expect(throws: ProviderSpecificationError.self) {
            try ProviderConfiguration(specification: specification, environment: [:])
        }
    }
}
