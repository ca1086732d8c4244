import Foundation
import Logging
import MailTimeBroker
import ServiceLifecycle

/// A broker running in this process on a free port, with a fresh data directory.
struct BrokerHarness {
    let port: Int
    let directory: String
    let server: BrokerServer

    /// The admin token the broker made for itself.
    var adminToken: String {
        (try? String(contentsOfFile: directory + "/admin.token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// Starts a broker, runs `body`, then shuts the broker down gracefully and removes its data.
    static func run(
        _ configure: (inout BrokerConfiguration) -> Void = { _ in },
        _ body: (BrokerHarness) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "mailtime-broker-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = directory
        configuration.port = 0
        configuration.senders = 0
        configure(&configuration)
        let logger = Logger(label: "broker-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = BrokerServer(configuration: configuration, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("the broker did not start") }
        do {
            try await body(BrokerHarness(port: port, directory: directory, server: server))
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
