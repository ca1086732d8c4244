/// Where the console listens and how long its sessions last (README, "Admin console").
public struct ConsoleConfiguration: Sendable {
    /// The address to listen on. Default 127.0.0.1.
    public var host = "127.0.0.1"
    /// The port to listen on. Default 7580; 0 picks a free one.
    public var port = 7580
    /// Sessions open at once; a login past it ends the least recently used session. Default 1,000.
    public var maximumSessions = 1000
    /// A session unused this long ends. Default 30 minutes.
    public var sessionIdleTimeout: Duration = .seconds(30 * 60)
    /// A session ends this long after its login, used or not. Default 12 hours.
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// A TLS handshake not finished in this time is dropped. Default 10 s.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A connection with no request for this long is closed. Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// How long one live-update stream lasts before the browser reconnects. Default 5 minutes.
    public var eventStreamDuration: Duration = .seconds(300)
    /// How often a live-update stream sends the counts. Default 2 s.
    public var statsInterval: Duration = .seconds(2)

    public init() {}
}
