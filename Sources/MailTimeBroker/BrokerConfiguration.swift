import MailTimeConsole
import MailTimeDelivery
import MailTimeProtocol
import MailTimeQueue

/// Everything the broker is started with. Each value has a documented default, so an empty
/// configuration starts a working broker (`make run`).
public struct BrokerConfiguration: Sendable {
    /// The address to listen on. Default 127.0.0.1.
    public var host = "127.0.0.1"
    /// The port to listen on. Default 7525; 0 picks a free one.
    public var port = 7525
    /// The data directory: the store, the embedded certificate and admin token, the outbox. Default `./var`.
    public var dataDirectory = "./var"
    /// The certificate chain (PEM file); with none, a self-signed certificate is made in the data directory.
    public var certificatePath: String?
    /// The private key (PEM file) of `certificatePath`.
    public var privateKeyPath: String?
    /// A CA bundle (PEM file): when set, clients must present a certificate it signed.
    public var clientCAPath: String?
    /// Tokens per role, each the token or `sha256:<hex>`. With none, an admin token is made in the data directory.
    public var tokens: [BrokerRole: [String]] = [:]
    /// The sender used when an email has no `from`.
    public var defaultFrom: String?

    /// The most connections at once. Default 1,024.
    public var maximumConnections = 1024
    /// A connection idle this long (no request, nothing in flight) is closed. Default 300 s.
    public var idleTimeout: Duration = .seconds(300)
    /// A TLS handshake not finished in this time is dropped (slowloris). Default 10 s.
    public var handshakeTimeout: Duration = .seconds(10)
    /// The most unanswered requests per connection before the broker stops reading it. Default 256.
    public var maximumInFlight = 256
    /// The reply bytes per connection produced and not yet written to the socket at which the
    /// broker stops reading that connection. Default 256 KiB.
    public var maximumUnwrittenReplyBytes = 256 * 1024
    /// The reply bytes not yet written across all connections at which the broker stops reading
    /// every connection that has replies unwritten. Default 64 MiB.
    public var maximumTotalUnwrittenReplyBytes = 64 * 1024 * 1024
    /// The longest request line, CRLF included. Default 16,384.
    public var maximumLineLength = 16_384
    /// The largest email (`SEND` payload). Default 25 MB.
    public var maximumEmailSize = 25 * 1024 * 1024
    /// How far ahead `send_at` may be. Default 365 days.
    public var maximumSendAhead: Duration = .seconds(365 * 24 * 3600)

    /// How many embedded senders deliver; 0 makes the broker a pure queue. Default 4.
    public var senders = 4
    /// How long a sender's lease lasts before it must renew it. Default 60 s.
    public var leaseVisibility: Duration = .seconds(60)
    /// The SMTP relays the embedded senders deliver through; with none they write to `outbox/`.
    public var providers: [ProviderConfiguration] = []
    /// How providers are chosen, and when a failing one is taken out.
    public var routing = ProviderRouter.Configuration()
    /// Whether every email to a single recipient is folded, not only those that ask (`"fold": true`). Default off.
    public var foldsEveryEmail = false
    /// The folding window, subject and delimiter.
    public var folding = EmailFolding()
    /// How long a graceful shutdown may take (the service group's maximum graceful shutdown duration);
    /// sends still in flight then are abandoned to their leases. Default 30 s.
    public var shutdownGracePeriod: Duration = .seconds(30)
    /// Retry policy, idempotency window and history retention of the queue.
    public var retryPolicy = RetryPolicy()
    public var idempotencyWindow: Duration = .seconds(24 * 3600)
    public var historyRetention: Duration = .seconds(7 * 24 * 3600)
    /// How long a sent email keeps its body (its record stays for ``historyRetention``). Default 1 day;
    /// zero deletes the body as the email is sent.
    public var bodyRetention: Duration = .seconds(24 * 3600)

    /// The SMTP submission listeners; off by default.
    public var submission = SubmissionConfiguration()

    /// The admin console (HTTPS, README "Admin console"); `nil`, the default here, serves none. The
    /// daemon turns it on at 127.0.0.1:7580 unless `console.enabled` is false.
    public var console: ConsoleConfiguration?

    public init() {}

    /// The queue's configuration in this broker's data directory.
    var queueConfiguration: MailQueue.Configuration {
        var configuration = MailQueue.Configuration(directory: dataDirectory + "/queue")
        configuration.retryPolicy = retryPolicy
        configuration.idempotencyWindow = idempotencyWindow
        configuration.historyRetention = historyRetention
        configuration.bodyRetention = bodyRetention
        // The stored payload is the validated email plus its Message-ID, or a submitted message plus
        // the fields its intake adds and its envelope (up to 1,000 recipients and 50 tags, each line
        // under 270 bytes): leave room for that.
        configuration.maximumPayloadSize = maximumEmailSize + 512 * 1024
        configuration.attributeReader = { JobAttributes(storedPayload: $0) }
        return configuration
    }
}
