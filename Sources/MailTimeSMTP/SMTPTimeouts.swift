/// How long each step of an SMTP session may take. The defaults are RFC 5321 §4.5.3.2's.
public struct SMTPTimeouts: Hashable, Sendable {
    /// The TCP connection (and, with implicit TLS, the TLS handshake).
    public var connect: Duration = .seconds(30)
    /// The server's 220 greeting.
    public var greeting: Duration = .seconds(300)
    /// EHLO, HELO, STARTTLS, AUTH, RSET, NOOP.
    public var command: Duration = .seconds(300)
    /// The reply to MAIL FROM.
    public var mail: Duration = .seconds(300)
    /// The reply to each RCPT TO.
    public var recipient: Duration = .seconds(300)
    /// The 354 reply to DATA.
    public var dataInitiation: Duration = .seconds(120)
    /// The reply after the final ".", on top of the time the message may take at the minimum data rate.
    public var dataTermination: Duration = .seconds(600)
    /// The slowest transfer accepted for the message body, in octets per second; a server that
    /// reads slower than this times out.
    public var minimumDataRate: Int = 1024
    /// The reply to QUIT; the connection closes either way.
    public var quit: Duration = .seconds(5)

    public init() {}

    /// The steps a reply can be awaited for.
    enum Step: String {
        case greeting, command, mail, recipient, dataInitiation, dataTermination, quit
    }

    /// The time allowed for `step`; for the end of data, plus the body's size at the minimum rate.
    func limit(for step: Step, bodySize: Int) -> Duration {
        switch step {
        case .greeting: greeting
        case .command: command
        case .mail: mail
        case .recipient: recipient
        case .dataInitiation: dataInitiation
        case .dataTermination: dataTermination + .seconds(Double(bodySize) / Double(max(1, minimumDataRate)))
        case .quit: quit
        }
    }
}
