import Foundation
import Logging
import MailTimeBroker
import MailTimeClient
import ServiceLifecycle
import Testing

/// A broker running in this process on a free port with a fresh data directory, and what a
/// client needs to reach it: the admin token and the generated certificate.
public struct TestBroker: Sendable {
    public let port: Int
    /// The broker's data directory: queue, `admin.token`, `tls/certificate.pem`, `outbox/`.
    public let dataDirectory: String
    /// The admin token: the configured one, or the one the broker made; empty when tokens are
    /// configured for other roles only.
    public let adminToken: String
    public let certificatePath: String

    /// Trust pinned to the broker's generated certificate.
    public var trust: BrokerTrust {
        get throws { try .pinned(certificateFile: certificatePath) }
    }

    /// A client authenticated with `token` (the admin token by default).
    public func connect(token: String? = nil) async throws -> MailTimeClient {
        try await MailTimeClient.connect(port: port, tls: trust, token: token ?? adminToken, logger: .quiet)
    }

    /// Runs `body` against a broker started with `configure` applied to a configuration that listens
    /// on a free port, keeps its data in a temporary directory and has no embedded senders. The
    /// broker is then shut down gracefully, as SIGTERM does, and the directory removed; `body` gets
    /// `limit` to finish.
    public static func run<Result: Sendable>(
        limit: Duration = .seconds(60),
        _ configure: (inout BrokerConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (TestBroker) async throws -> Result
    ) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mailtime-test-broker-" + UUID().uuidString
        // With a configured certificate the broker does not create the data directory before writing admin.token.
        try FileManager.default.createDirectory(atPath: directory + "/var", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory + "/var"
        configuration.port = 0
        configuration.senders = 0
        configure(&configuration)

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let broker = try Broker(configuration: configuration, logger: .quiet) { port in portSink.yield(port) }
        var groupConfiguration = ServiceGroupConfiguration(services: broker.services, logger: .quiet)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        let running = Task {
            defer { portSink.finish() }
            try await group.run()
        }
        let port: Int
        do {
            port = try await deadline(.seconds(20), "the broker to listen") {
                for await port in ports { return port }
                throw TestFailure("the broker stopped before listening: \(await running.result)")
            }
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            let broker = TestBroker(
                port: port,
                dataDirectory: configuration.dataDirectory,
                adminToken: configuration.tokens[.admin]?.first
                    ?? (try? String(contentsOfFile: configuration.dataDirectory + "/admin.token", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "",
                certificatePath: configuration.dataDirectory + "/tls/certificate.pem"
            )
            outcome = .success(try await deadline(limit, "the test") { try await body(broker) })
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        let stopped = try? await deadline(.seconds(20), "the broker to stop") {
            try await running.value
            return true
        }
        #expect(stopped == true, "the broker did not stop within 20 s")
        return try outcome.get()
    }
}

/// Runs `body` and returns its result, or throws once `limit` has passed (cancelling `body`, whose
/// task is left behind if it ignores cancellation).
public func deadline<Result: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let (outcomes, sink) = AsyncStream.makeStream(of: Swift.Result<Result, any Error>.self)
    let work = Task {
        do {
            sink.yield(.success(try await body()))
        } catch {
            sink.yield(.failure(error))
        }
    }
    let timer = Task {
        try await Task.sleep(for: limit)
        sink.yield(.failure(TestFailure("timed out after \(limit) waiting for \(what)")))
    }
    defer {
        work.cancel()
        timer.cancel()
    }
    for await outcome in outcomes {
        return try outcome.get()
    }
    throw CancellationError()
}
