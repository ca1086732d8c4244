import Logging
@testable import MailTimeBroker
import MailTimeProtocol
import NIOCore
import NIOEmbedded
import NIOTLS
import Synchronization
import Testing

/// A ``BrokerConnectionHandler`` on a testing channel, behind the request decoder, over a real
/// queue: the test plays the client with bytes and reads the broker's reply lines.
final class ConnectionFixture {
    static let adminToken = "admin-token-0123456789"
    static let greeting = BrokerReply.ok("mailtime 1 test")

    let channel: NIOAsyncTestingChannel
    let commands: CommandFixture
    /// Hands queue events to `EVENTS` subscribers once a test runs it.
    let hub: EventHub
    /// The reads the connection let through to the channel.
    let readLog: ReadLog
    /// The broker's budget of unwritten reply bytes this connection takes from.
    let budget: UnwrittenReplyBudget
    /// Holds the connection's writes, unwritten, while closed.
    let writeGate: WriteGate
    private var received = ""

    private init(
        channel: NIOAsyncTestingChannel,
        commands: CommandFixture,
        hub: EventHub,
        readLog: ReadLog,
        budget: UnwrittenReplyBudget,
        writeGate: WriteGate
    ) {
        self.channel = channel
        self.commands = commands
        self.hub = hub
        self.readLog = readLog
        self.budget = budget
        self.writeGate = writeGate
    }

    /// Sets up a connection whose TLS handshake just finished, runs `body`, and tears it down.
    static func run(
        maximumInFlight: Int = 256,
        maximumUnwrittenReplyBytes: Int = BrokerConnectionStateMachine.defaultMaximumUnwrittenReplyBytes,
        budget: UnwrittenReplyBudget = UnwrittenReplyBudget(limit: 64 << 20),
        admitted: Bool = true,
        maximumLineLength: Int = 16_384,
        maximumPayloadSize: Int = 1 << 20,
        tokens: [BrokerRole: [String]] = [.admin: [adminToken]],
        _ body: (ConnectionFixture) async throws -> Void
    ) async throws {
        try await CommandFixture.run { commands in
            let readLog = ReadLog()
            let writeGate = WriteGate()
            let authenticator = try TokenAuthenticator(tokens: tokens)
            let hub = EventHub()
            let channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandlers([
                    writeGate,
                    ReadCounter(log: readLog),
                    ByteToMessageHandler(
                        BrokerRequestDecoder(maximumLineLength: maximumLineLength, maximumPayloadSize: maximumPayloadSize)
                    ),
                    BrokerConnectionHandler(
                        executor: commands.executor,
                        authenticator: authenticator,
                        hub: hub,
                        greeting: greeting,
                        maximumInFlight: maximumInFlight,
                        maximumUnwrittenReplyBytes: maximumUnwrittenReplyBytes,
                        budget: budget,
                        admitted: admitted,
                        logger: Logger(label: "connection-test", factory: { _ in SwiftLogNoOpLogHandler() })
                    ),
                ])
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).get()
            let fixture = ConnectionFixture(channel: channel, commands: commands, hub: hub, readLog: readLog, budget: budget, writeGate: writeGate)
            try await fixture.fire(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
            try await body(fixture)
            _ = try? await channel.finish(acceptAlreadyClosed: true)
        }
    }

    /// Bytes from the client, all in one read.
    func send(_ text: String) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
    }

    /// Fires `event` through the pipeline, as the handlers before the connection handler would.
    func fire(_ event: any Sendable) async throws {
        let channel = channel
        try await channel.testingEventLoop.executeInContext {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
        await channel.testingEventLoop.run()
    }

    /// Runs `body` on the event loop: nothing else (a queue reply) happens on the connection meanwhile.
    func onEventLoop<Result: Sendable>(_ body: @escaping @Sendable (NIOAsyncTestingChannel) throws -> Result) async throws -> Result {
        let channel = channel
        return try await channel.testingEventLoop.executeInContext { try body(channel) }
    }

    /// A client that stops reading its replies, then sends `requests` in one read and asks for the next:
    /// the write gate is closed, so every reply stays unwritten. Returns once the loop has settled.
    func sendWithoutReadingReplies(_ requests: String) async throws {
        let gate = writeGate
        try await onEventLoop { channel in
            gate.close()
            channel.pipeline.fireChannelRead(ByteBuffer(string: requests))
            channel.pipeline.read()
        }
        await channel.testingEventLoop.run()
    }

    /// How many times the connection asked the channel to read.
    var reads: Int { readLog.reads }

    /// The next `count` lines the broker writes (without CRLF), waiting for them up to five seconds.
    func lines(_ count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            try await collectOutput()
            var lines = received.components(separatedBy: "\r\n")
            let partial = lines.removeLast()
            if lines.count >= count {
                received = (lines.dropFirst(count) + [partial]).joined(separator: "\r\n")
                return Array(lines.prefix(count))
            }
            guard ContinuousClock.now < deadline else {
                throw FixtureError("expected \(count) lines, got: \(received.debugDescription)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Whatever the broker wrote and no test read yet.
    func unreadOutput() async throws -> String {
        try await collectOutput()
        defer { received = "" }
        return received
    }

    /// Waits up to five seconds for the connection to close; `false` when it stays open.
    func closes() async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while channel.isActive {
            guard ContinuousClock.now < deadline else { return false }
            await channel.testingEventLoop.run()
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    private func collectOutput() async throws {
        await channel.testingEventLoop.run()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            received += String(buffer: buffer)
        }
    }

    /// A `SEND` request for a small valid email.
    static func sendRequest(_ text: String = "hi") -> String {
        let email = #"{"from":"app@example.com","to":"ann@example.com","text":"\#(text)"}"#
        return "SEND \(email.utf8.count)\r\n\(email)\r\n"
    }
}

/// Counts the reads that reach the channel.
final class ReadLog: Sendable {
    let count = Atomic<Int>(0)

    var reads: Int { count.load(ordering: .relaxed) }
}

/// Sits below the connection handler and counts the reads it lets through.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private let log: ReadLog

    init(log: ReadLog) { self.log = log }

    func read(context: ChannelHandlerContext) {
        log.count.add(1, ordering: .relaxed)
        context.read()
    }
}

/// Sits at the head of the pipeline; while closed it keeps the connection's writes, their
/// promises unfulfilled, as a socket whose peer reads nothing would.
final class WriteGate: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    private var isOpen = true
    private var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        let writes = held
        held = []
        for write in writes { write.promise?.fail(ChannelError.ioOnClosedChannel) }
        self.context = nil
    }

    /// Writes are held from now on (call on the event loop).
    func close() { isOpen = false }

    /// Lets the held writes through, and those after them (call on the event loop).
    func open() {
        isOpen = true
        guard let context else { return }
        let writes = held
        held = []
        for write in writes { context.write(write.data, promise: write.promise) }
        context.flush()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard isOpen else {
            held.append((data, promise))
            return
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if isOpen { context.flush() }
    }
}
