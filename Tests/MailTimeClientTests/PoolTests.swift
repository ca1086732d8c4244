import Foundation
import MailTimeTestSupport
import Testing

@testable import MailTimeClient

@Suite("MailTimeClientPool", .timeLimit(.minutes(2)))
struct PoolTests {
    @Test func spreadsConcurrentRequestsOverItsConnections() async throws {
        try await TestBroker.run { broker in
            let pool = try MailTimeClientPool(port: broker.port, tls: try broker.trust, token: broker.adminToken, size: 3, logger: .quiet)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for number in 0..<300 {
                    group.addTask { try await pool.client().send(sampleEmail(number)).id }
                }
                var ids: Set<String> = []
                for try await id in group { ids.insert(id) }
                return ids
            }
            #expect(ids.count == 300)
            let clients = [try await pool.client(), try await pool.client(), try await pool.client()]
            #expect(Set(clients.map(ObjectIdentifier.init)).count == 3)
            #expect(try await pool.client() === clients[0])
            #expect(try await clients[0].stats().connections == 3)
            await pool.close()
            #expect(clients.allSatisfy { !$0.isConnected })
            #expect(await clientError { _ = try await pool.client() }?.code == .connectionClosed)
        }
    }

    @Test func reconnectsWhenTheBrokerComesBack() async throws {
        let directory = NSTemporaryDirectory() + "mailtime-client-pool-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backoff = MailTimeClientPool.Backoff(initial: .milliseconds(50), maximum: .milliseconds(200))

        let (pool, id, port) = try await TestBroker.run({ $0.dataDirectory = directory }) { broker in
            let pool = try MailTimeClientPool(
                port: broker.port, tls: try broker.trust, token: broker.adminToken, size: 1, backoff: backoff, logger: .quiet)
            return (pool, try await pool.client().send(sampleEmail()).id, broker.port)
        }

        // The broker is gone: the connection is lost, and reconnecting fails.
        #expect(await clientError { _ = try await pool.client().ping() } != nil)
        #expect(await clientError { _ = try await pool.client() }?.code == .connectionFailed)

        try await TestBroker.run({ configuration in
            configuration.dataDirectory = directory
            configuration.port = port
        }) { _ in
            let status = try await deadline(.seconds(10), "the pool to reconnect") {
                while true {
                    if let status = try? await pool.client().status(id) { return status }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(status.id == id)
            await pool.close()
        }
    }

    @Test func backsOffExponentiallyUpToTheMaximum() {
        let backoff = MailTimeClientPool.Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.delay(afterFailures: 0) == .zero)
        #expect(backoff.delay(afterFailures: 1) == .milliseconds(100))
        #expect(backoff.delay(afterFailures: 3) == .milliseconds(400))
        #expect(backoff.delay(afterFailures: 5) == .seconds(1))
        #expect(backoff.delay(afterFailures: 500) == .seconds(1))
    }

    @Test func needsAtLeastOneConnection() {
        #expect(throws: MailTimeClientError.self) {
            _ = try MailTimeClientPool(tls: .systemTrustStore, token: "token", size: 0, logger: .quiet)
        }
    }
}
