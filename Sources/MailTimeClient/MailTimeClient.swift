import Logging
import MailTimeProtocol
import MailTimeTLS
import NIOCore
import NIOPosix

/// A connection to a MailTime broker, authenticated and ready for requests.
///
/// Every method may be called concurrently: requests are pipelined on the one connection and
/// each is matched to its reply (the broker answers in order). Call ``close()`` when done.
///
/// ```swift
/// let client = try await MailTimeClient.connect(
///     host: "127.0.0.1", port: 7525,
///     tls: try .pinned(certificateFile: "var/tls/certificate.pem"),
///     token: adminToken, logger: logger
/// )
/// let email = Email(
///     from: try EmailAddress("app@example.com"), to: [try EmailAddress("ann@example.com")],
///     subject: "Hi", text: "Hello, Ann."
/// )
/// let result = try await client.send(email)
/// try await client.close()
/// ```
public final class MailTimeClient: Sendable {
    /// What the broker announced on connection.
    public let greeting: BrokerGreeting
    /// The role the token was granted.
    public let role: TokenRole

    /// Whether the connection is still open (it closes after ``close()``, or when the broker or
    /// the network drops it).
    public var isConnected: Bool { channel.isActive }

    let channel: any Channel
    let endpoint: Endpoint

    /// Where and how to connect, kept to open further connections (for ``events()``).
    struct Endpoint: Sendable {
        var host: String
        var port: Int
        var tlsContext: TLSContext
        var token: String
        var logger: Logger
        var eventLoopGroup: any EventLoopGroup

        /// Where to connect, with a TLS context made from `tls`.
        init(
            host: String,
            port: Int,
            tls: BrokerTrust,
            token: String,
            logger: Logger,
            eventLoopGroup: any EventLoopGroup
        ) throws(MailTimeClientError) {
            do {
                tlsContext = try TLSContext(configuration: tls.tlsConfiguration)
            } catch {
                throw MailTimeClientError(.invalidConfiguration, "cannot set up TLS: \(error)")
            }
            self.host = host
            self.port = port
            self.token = token
            self.logger = logger
            self.eventLoopGroup = eventLoopGroup
        }
    }

    /// How long the TCP connection, and then the TLS handshake and greeting, may each take.
    static let connectTimeout = TimeAmount.seconds(10)

    private init(channel: any Channel, greeting: BrokerGreeting, role: TokenRole, endpoint: Endpoint) {
        self.channel = channel
        self.greeting = greeting
        self.role = role
        self.endpoint = endpoint
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Connects to a broker over TLS and authenticates with `token`.
    /// - Parameters:
    ///   - host: the broker's host name or IP address; with CA trust, its certificate must name it.
    ///   - port: the broker's port (7525 by default).
    ///   - tls: how the broker's certificate is trusted.
    ///   - token: an access token; its role decides which commands work.
    ///   - logger: receives debug messages about the connection.
    public static func connect(
        host: String = "127.0.0.1",
        port: Int = 7525,
        tls: BrokerTrust,
        token: String,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(MailTimeClientError) -> MailTimeClient {
        let endpoint = try Endpoint(
            host: host,
            port: port,
            tls: tls,
            token: token,
            logger: logger,
            eventLoopGroup: eventLoopGroup
        )
        return try await connect(endpoint)
    }

    /// Opens a connection to `endpoint`, reads the greeting and authenticates.
    static func connect(_ endpoint: Endpoint) async throws(MailTimeClientError) -> MailTimeClient {
        var logger = endpoint.logger
        logger[metadataKey: "mailtime.broker"] = "\(endpoint.host):\(endpoint.port)"
        let (channel, greetingLine) = try await open(endpoint, logger: logger)
        do throws(MailTimeClientError) {
            let greeting = try BrokerGreeting(line: greetingLine)
            let reply = try await send(Request(["AUTH", endpoint.token]), on: channel)
            guard let role = TokenRole(rawValue: String(reply.line.dropFirst(3))) else {
                throw MailTimeClientError(.unexpectedReply, "AUTH was answered with \(reply.line.prefix(80))")
            }
            logger.debug("connected to the MailTime broker", metadata: ["mailtime.role": "\(role.rawValue)"])
            return MailTimeClient(channel: channel, greeting: greeting, role: role, endpoint: endpoint)
        } catch {
            // Wait for the close, so that a caller exiting on this error leaves no channel behind.
            try? await channel.close()
            throw error
        }
    }

    /// Makes the TCP connection with TLS and waits for the greeting line.
    private static func open(_ endpoint: Endpoint, logger: Logger) async throws(MailTimeClientError) -> (any Channel, String) {
        let greeting = endpoint.eventLoopGroup.any().makePromise(of: BrokerReply.self)
        let bootstrap = ClientBootstrap(group: greeting.futureResult.eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(
                            tlsContext: endpoint.tlsContext,
                            serverHostname: endpoint.host,
                            handshakeTimeout: connectTimeout,
                            logger: logger
                        ),
                        ByteToMessageHandler(ReplyLineDecoder()),
                        ClientConnectionHandler(greeting: greeting, logger: logger),
                    ])
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            let failure = MailTimeClientError(.connectionFailed, "cannot connect to \(endpoint.host):\(endpoint.port): \(error)")
            greeting.fail(failure)
            throw failure
        }
        // A peer that completes TLS but never greets is given up on.
        let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
            channel.pipeline.fireErrorCaught(
                MailTimeClientError(.connectionFailed, "the broker did not greet within \(connectTimeout.nanoseconds / 1_000_000_000) s"))
        }
        defer { timeout.cancel() }
        do {
            return (channel, try await greeting.futureResult.get().line)
        } catch {
            try? await channel.close()
            throw MailTimeClientError(error)
        }
    }

    /// Sends `request` and waits for its reply; an `ERR` reply is thrown.
    func send(_ request: Request) async throws(MailTimeClientError) -> BrokerReply {
        try await Self.send(request, on: channel, maximumLineLength: greeting.maximumLineLength)
    }

    private static func send(_ request: Request, on channel: any Channel, maximumLineLength: Int = .max) async throws(MailTimeClientError)
        -> BrokerReply
    {
        let line = try checkedLine(of: request, maximumLineLength: maximumLineLength)
        var bytes = channel.allocator.buffer(capacity: line.utf8.count + 4 + (request.payload?.count ?? 0))
        let reply = append(request, line: line, to: &bytes, on: channel)
        write(ClientRequest(bytes: bytes, replies: [reply]), on: channel)
        do {
            return try await reply.promise.futureResult.get()
        } catch {
            throw MailTimeClientError(error)
        }
    }

    /// Sends `requests` pipelined, in one write, and waits for all their replies: one result per
    /// request, in order. A request refused (here or by the broker) does not stop the others.
    func sendPipelined(_ requests: [Request]) async -> [Result<BrokerReply, MailTimeClientError>] {
        var results = [Result<BrokerReply, MailTimeClientError>?](repeating: nil, count: requests.count)
        var lines: [(index: Int, line: String)] = []
        for (index, request) in requests.enumerated() {
            do {
                lines.append((index, try Self.checkedLine(of: request, maximumLineLength: greeting.maximumLineLength)))
            } catch {
                results[index] = .failure(error)
            }
        }
        var bytes = channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.line.utf8.count + 4 + (requests[$1.index].payload?.count ?? 0) })
        let replies = lines.map { Self.append(requests[$0.index], line: $0.line, to: &bytes, on: channel) }
        if !replies.isEmpty {
            Self.write(ClientRequest(bytes: bytes, replies: replies), on: channel)
        }
        // One wait for the whole batch; the combined future never fails, each reply keeps its own result.
        let outcomes = (try? await EventLoopFuture.whenAllComplete(replies.map(\.promise.futureResult), on: channel.eventLoop).get()) ?? []
        for ((index, _), outcome) in zip(lines, outcomes) {
            results[index] = outcome.mapError { MailTimeClientError($0) }
        }
        return results.map { $0 ?? .failure(MailTimeClientError(.connectionClosed, "the request got no reply")) }
    }

    /// The request line, once checked: arguments that cannot break it apart, and a length the broker takes.
    private static func checkedLine(of request: Request, maximumLineLength: Int) throws(MailTimeClientError) -> String {
        try request.validate()
        let line = request.line
        guard line.utf8.count + 2 <= maximumLineLength else {
            throw MailTimeClientError(
                .invalidRequest,
                "the \(line.prefix { $0 != " " }) request line is longer than the broker's \(maximumLineLength) bytes"
            )
        }
        return line
    }

    /// Writes `request` (its `line` and payload) to `bytes`; returns what its reply will complete.
    private static func append(_ request: Request, line: String, to bytes: inout ByteBuffer, on channel: any Channel) -> ClientRequest.Reply {
        bytes.writeString(line)
        bytes.writeStaticString("\r\n")
        if let payload = request.payload {
            bytes.writeBytes(payload)
            bytes.writeStaticString("\r\n")
        }
        return ClientRequest.Reply(shape: request.shape, isQuit: request.isQuit, promise: channel.eventLoop.makePromise())
    }

    private static func write(_ message: ClientRequest, on channel: any Channel) {
        channel.writeAndFlush(message).whenFailure { error in
            for reply in message.replies { reply.promise.fail(MailTimeClientError(error)) }
        }
    }

    /// Sends `QUIT` (after the replies to earlier requests) and waits for the connection to close.
    /// Requests made afterwards fail with ``ProtocolError/Code/connectionClosed``.
    public func close() async throws(MailTimeClientError) {
        do throws(MailTimeClientError) {
            _ = try await send(Request(["QUIT"], isQuit: true))
        } catch  where error.code == .connectionClosed {
            // Already closed: nothing to do.
        }
        // The broker closes after `OK BYE`; closing from this side too bounds the wait by the TLS close timeout.
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }
}
