import Foundation
import Logging
import MailTimeBroker
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

extension Logger {
    /// A logger that prints nothing.
    static let quiet = Logger(label: "mailtime-client-test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A broker running in this process on a free port with a fresh data directory, and what a
/// client needs to reach it: the generated admin token and certificate.
struct TestBroker: Sendable {
    let port: Int
    let dataDirectory: String
    let adminToken: String
    let certificatePath: String

    /// Trust pinned to the broker's generated certificate.
    var trust: BrokerTrust {
        get throws { try .pinned(certificateFile: certificatePath) }
    }

    /// A client authenticated with `token` (the admin token by default).
    func connect(token: String? = nil) async throws -> MailTimeClient {
        try await MailTimeClient.connect(port: port, tls: trust, token: token ?? adminToken, logger: .quiet)
    }

    /// Runs `body` against a broker started with `configure` applied to a configuration that listens
    /// on a free port, keeps its data in a temporary directory and has no embedded senders. The
    /// broker is shut down and the directory removed afterwards; `body` gets `limit` to finish.
    static func run<Result: Sendable>(
        limit: Duration = .seconds(60),
        _ configure: (inout BrokerConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (TestBroker) async throws -> Result
    ) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mailtime-client-test-" + UUID().uuidString
        // With a configured certificate the broker does not create the data directory before writing admin.token.
        try FileManager.default.createDirectory(atPath: directory + "/var", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory + "/var"
        configuration.port = 0
        configuration.senders = 0
        configure(&configuration)

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = BrokerServer(configuration: configuration, logger: .quiet) { port in portSink.yield(port) }
        let serverTask = Task {
            defer { portSink.finish() }
            try await server.run()
        }
        let port = try await deadline(.seconds(20), "the broker to listen") {
            for await port in ports { return port }
            throw TestFailure("the broker stopped before listening: \(await serverTask.result)")
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            let broker = TestBroker(
                port: port,
                dataDirectory: configuration.dataDirectory,
                adminToken: try configuration.tokens[.admin]?.first
                    ?? String(contentsOfFile: configuration.dataDirectory + "/admin.token", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines),
                certificatePath: configuration.dataDirectory + "/tls/certificate.pem"
            )
            outcome = .success(try await deadline(limit, "the test") { try await body(broker) })
        } catch {
            outcome = .failure(error)
        }
        serverTask.cancel()
        let stopped = try? await deadline(.seconds(20), "the broker to stop") { _ = await serverTask.result; return true }
        #expect(stopped == true, "the broker did not stop within 20 s")
        return try outcome.get()
    }
}

/// A test's own failure, with a sentence saying what went wrong.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` and returns its result, or throws once `limit` has passed (cancelling `body`, whose
/// task is left behind if it ignores cancellation).
func deadline<Result: Sendable>(
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

/// The client error `body` throws; records an issue when it throws none or another kind.
func clientError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> MailTimeClientError? {
    do {
        try await body()
        Issue.record("expected a MailTimeClientError, got none", sourceLocation: sourceLocation)
    } catch let error as MailTimeClientError {
        return error
    } catch {
        Issue.record("expected a MailTimeClientError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A small valid email.
func sampleEmail(_ number: Int = 0) throws -> Email {
    Email(
        from: try EmailAddress("app@example.com"),
        to: [try EmailAddress("ann\(number)@example.com")],
        subject: "Hello \(number)",
        text: "Hello, Ann."
    )
}

/// Runs `body` with a local port that nothing listens on (a ``ReservedPort``), so connections to
/// it are refused and no other test can take it meanwhile.
func withClosedPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let reserved = try ReservedPort()
    defer { reserved.release() }
    return try await body(reserved.port)
}
