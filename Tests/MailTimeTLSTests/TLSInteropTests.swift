import Foundation
import MailTimeTLS
import MailTimeTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// What the connections of one test saw, shared between event loops and the test.
final class ConnectionLog: Sendable {
    struct Entries {
        var handshakes: [TLSHandshakeInfo] = []
        var errors: [TLSError] = []
        var received: [UInt8] = []
    }

    private let entries = Mutex(Entries())

    var handshakes: [TLSHandshakeInfo] { self.entries.withLock { $0.handshakes } }
    var errors: [TLSError] { self.entries.withLock { $0.errors } }
    var received: [UInt8] { self.entries.withLock { $0.received } }

    func record(handshake: TLSHandshakeInfo) {
        self.entries.withLock { $0.handshakes.append(handshake) }
    }

    func record(error: TLSError) {
        self.entries.withLock { $0.errors.append(error) }
    }

    func record(received: ByteBuffer) {
        self.entries.withLock { $0.received += received.readableBytesView }
    }
}

/// Logs what one connection sees; echoes the plaintext back if asked to.
final class LoggingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let log: ConnectionLog
    private let echoes: Bool

    init(log: ConnectionLog, echoes: Bool) {
        self.log = log
        self.echoes = echoes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.log.record(received: buffer)
        if self.echoes {
            context.writeAndFlush(data, promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let info = event as? TLSHandshakeInfo {
            self.log.record(handshake: info)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError {
            self.log.record(error: error)
        }
        context.close(promise: nil)
    }
}

/// Our server against `openssl s_client`, our client against `openssl s_server`, on loopback.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(1)))
struct TLSInteropTests {
    /// The test CA's certificates and keys, written to files for the command line tool.
    final class Files {
        let directory: URL

        init() throws {
            self.directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("mailtime-tls-\(UInt64.random(in: 0...UInt64.max))")
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            try self.write(TLSFixtures.authority.certificatePEM, "ca.pem")
            try self.write(TLSFixtures.server.certificatePEM, "server.pem")
            try self.write(TLSFixtures.server.privateKeyPEM, "server.key")
            try self.write(TLSFixtures.client.certificatePEM, "client.pem")
            try self.write(TLSFixtures.client.privateKeyPEM, "client.key")
        }

        deinit {
            try? FileManager.default.removeItem(at: self.directory)
        }

        func path(_ name: String) -> String {
            self.directory.appendingPathComponent(name).path
        }

        private func write(_ text: String, _ name: String) throws {
            try text.write(to: self.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    private static let megabyte: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    private func startEchoServer(_ context: TLSContext, log: ConnectionLog) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try TLSHandler(tlsContext: context, logger: TLSFixtures.logger)
                    try channel.pipeline.syncOperations.addHandlers([handler, LoggingHandler(log: log, echoes: true)])
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"], [false, true])
    func openSSLClientGetsAMegabyteEchoed(version: String, withClientCertificate: Bool) async throws {
        let files = try Files()
        let log = ConnectionLog()
        let server = try await self.startEchoServer(
            TLSFixtures.serverContext(verification: withClientCertificate ? .fullVerification : .none),
            log: log
        )
        defer { server.close(promise: nil) }
        var arguments = [
            "s_client", "-connect", "127.0.0.1:\(server.localAddress!.port!)", "-quiet", version,
            "-CAfile", files.path("ca.pem"), "-verify_return_error", "-verify_hostname", "localhost",
        ]
        if withClientCertificate {
            arguments += ["-cert", files.path("client.pem"), "-key", files.path("client.key")]
        }
        let client = try OpenSSLProcess(arguments)
        defer { client.stop() }

        client.send(Self.megabyte)
        try await client.waitForOutput(count: Self.megabyte.count)
        #expect(client.standardOutput == Self.megabyte, "s_client: \(client.standardError)")
        let handshake = try #require(log.handshakes.first)
        #expect(handshake.version == (version == "-tls1_3" ? .tls13 : .tls12))
        if withClientCertificate {
            #expect(handshake.peerCertificate?.subject == "CN=client.example.test")
        } else {
            #expect(handshake.peerCertificate == nil)
        }
        #expect(log.errors.isEmpty)
    }

    @Test func aServerRequiringClientCertificatesRejectsOpenSSLClientWithout() async throws {
        let files = try Files()
        let log = ConnectionLog()
        let server = try await self.startEchoServer(TLSFixtures.serverContext(verification: .fullVerification), log: log)
        defer { server.close(promise: nil) }
        let client = try OpenSSLProcess([
            "s_client", "-connect", "127.0.0.1:\(server.localAddress!.port!)", "-quiet", "-tls1_3",
            "-CAfile", files.path("ca.pem"),
        ])
        defer { client.stop() }
        client.send(Array("hello\n".utf8))
        try await waitUntil(timeout: .seconds(10)) { !log.errors.isEmpty }
        #expect(log.errors.first?.code == .handshakeFailed)
        #expect(log.handshakes.isEmpty)
        #expect(log.received.isEmpty)
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func ourClientTradesAMegabyteEachWayWithOpenSSLServer(version: String) async throws {
        let files = try Files()
        let port = try await Self.freePort()
        let server = try OpenSSLProcess([
            "s_server", "-accept", "127.0.0.1:\(port)", "-quiet", "-naccept", "1", version,
            "-cert", files.path("server.pem"), "-key", files.path("server.key"),
        ])
        defer { server.stop() }

        let log = ConnectionLog()
        let context = try TLSFixtures.clientContext()
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try TLSHandler(tlsContext: context, serverHostname: "localhost", logger: TLSFixtures.logger)
                    try channel.pipeline.syncOperations.addHandlers([handler, LoggingHandler(log: log, echoes: false)])
                }
            }
        // Until s_server listens; awaited, not waited for, so no thread of the tests' shared pool is blocked.
        let deadline = ContinuousClock.now + .seconds(10)
        var connected: (any Channel)?
        while connected == nil {
            connected = try? await bootstrap.connect(host: "127.0.0.1", port: port).get()
            if connected == nil {
                guard ContinuousClock.now < deadline else { throw TimedOut() }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let channel = try #require(connected)
        try await waitUntil(timeout: .seconds(10)) { !log.handshakes.isEmpty }
        #expect(log.handshakes.first?.version == (version == "-tls1_3" ? .tls13 : .tls12))
        #expect(log.handshakes.first?.peerCertificate?.subject == "CN=\(TLSFixtures.serverName)")

        try await channel.writeAndFlush(ByteBuffer(bytes: Self.megabyte)).get()
        try await server.waitForOutput(count: Self.megabyte.count, timeout: .seconds(60))
        #expect(server.standardOutput == Self.megabyte)

        server.send(Self.megabyte)
        try await waitUntil(timeout: .seconds(60)) { log.received.count >= Self.megabyte.count }
        #expect(log.received == Self.megabyte)

        // close_notify both ways: s_server answers ours and then exits.
        try await channel.close()
        try await server.waitForExit()
        #expect(log.errors.isEmpty)
    }

    /// A port nothing listens on right now.
    private static func freePort() async throws -> Int {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = probe.localAddress!.port!
        try await probe.close()
        return port
    }
}
