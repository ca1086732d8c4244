import Logging
import MailTimeConsole
import MailTimeTLS
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@Suite("Console server")
struct ConsoleServerTests {
    struct StoppedEarly: Error {}

    static let logger = Logger(label: "console-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs a console on 127.0.0.1 port `port` (0: a free one) until `body` returns; `body` gets the bound port.
    static func withConsole<Result: Sendable>(
        port: Int = 0,
        pair: TLSKeyPair,
        _ body: @Sendable @escaping (Int) async throws -> Result
    ) async throws -> Result {
        var configuration = ConsoleConfiguration()
        configuration.port = port
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = try ConsoleServer(
            configuration: configuration,
            backend: ConsoleResponderTests.makeBackend(),
            tlsContext: try TLSContext(configuration: .server(certificateChain: .pem(pair.certificatePEM), privateKey: .pem(pair.privateKeyPEM))),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            onListening: { continuation.yield($0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        return try await withThrowingTaskGroup(of: Result?.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                // The console stopped before it listened: its error comes out of the group.
                while let next = try await tasks.next() { _ = next }
                throw StoppedEarly()
            }
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            while let next = try await tasks.next() { _ = next }
            return result
        }
    }

    /// Sends one HTTP/1.1 request over TLS (pinning the console's certificate) and returns the whole response.
    static func request(_ text: String, port: Int, pair: TLSKeyPair) async throws -> String {
        let context = try TLSContext(configuration: TLSConfiguration(role: .client, certificateVerification: .pinned([try pair.fingerprint()])))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(TLSHandler(tlsContext: context, logger: logger))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            var response = ""
            for try await part in inbound { response += String(buffer: part) }
            return response
        }
    }

    @Test("serves the login page over TLS with the security headers, and the API's 401")
    func servesOverTLS() async throws {
        let pair = try TLSKeyPair.selfSigned(hostNames: ["127.0.0.1"])
        let (login, api) = try await Self.withConsole(pair: pair) { port in
            (
                try await Self.request("GET /login HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n", port: port, pair: pair),
                try await Self.request("GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n", port: port, pair: pair)
            )
        }
        #expect(login.hasPrefix("HTTP/1.1 200 OK\r\n"))
        let loginHead = login.lowercased()
        #expect(loginHead.contains("\r\ncontent-security-policy: default-src 'self'; script-src 'self';"))
        #expect(loginHead.contains("\r\nx-content-type-options: nosniff\r\n"))
        #expect(loginHead.contains("\r\nset-cookie: mailtime_login="))
        #expect(login.contains(#"<form method="post" action="/login" id="login-form">"#))
        #expect(api.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(api.contains(#"{"error":{"code":"AUTH_REQUIRED","#))
    }

    @Test("a port in use fails the start with the console's address")
    func portInUse() async throws {
        let pair = try TLSKeyPair.selfSigned(hostNames: ["127.0.0.1"])
        try await Self.withConsole(pair: pair) { port in
            let error = await #expect(throws: ConsoleListenError.self) {
                try await Self.withConsole(port: port, pair: pair) { _ in }
            }
            #expect(error?.port == port)
            #expect(error?.description.hasPrefix("cannot listen for the console on 127.0.0.1 port \(port): ") == true)
        }
    }
}
