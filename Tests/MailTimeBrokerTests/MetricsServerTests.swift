import Glibc
import Logging
import MailTimeBroker
import ServiceLifecycle
import Synchronization
import Testing

/// The metrics endpoint over real loopback connections: `GET /metrics`, 404 and 405, keep-alive,
/// malformed requests, and a graceful stop.
@Suite(.timeLimit(.minutes(1)))
struct MetricsServerTests {
    /// Runs a metrics server on a free port whose exposition counts the scrapes, then `body` with
    /// the port and the service group (shut down gracefully afterwards if `body` did not).
    private func withServer(_ body: (Int, ServiceGroup) async throws -> Void) async throws {
        let logger = Logger(label: "metrics-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let scrapes = Atomic<Int>(0)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = MetricsServer(host: "127.0.0.1", port: 0, logger: logger, onListening: { continuation.yield($0) }) {
            let scrape = scrapes.add(1, ordering: .relaxed).newValue
            return Array("# TYPE test_scrapes_total counter\ntest_scrapes_total \(scrape)\n".utf8)
        }
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(port, group)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func servesTheExpositionFreshOnEachGET() async throws {
        try await withServer { port, _ in
            let (first, second, withQuery) = try await onOwnThread {
                let connection = try HTTPTestConnection(port: port)
                return (try connection.get("/metrics"), try connection.get("/metrics"), try connection.get("/metrics?name[]=x"))
            }
            #expect(first.status == 200)
            #expect(first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(first.body == "# TYPE test_scrapes_total counter\ntest_scrapes_total 1\n")
            #expect(first.headers["connection"] == "keep-alive")
            #expect(second.body.hasSuffix("test_scrapes_total 2\n"), "the same connection, made again")
            #expect(withQuery.status == 200)
        }
    }

    @Test func otherPathsAre404AndOtherMethods405() async throws {
        try await withServer { port, _ in
            let (root, near, post, after) = try await onOwnThread {
                let connection = try HTTPTestConnection(port: port)
                let root = try connection.get("/")
                let near = try connection.get("/metrics/x")
                try connection.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
                let post = try connection.response()
                return (root, near, post, try connection.get("/metrics"))
            }
            #expect(root.status == 404)
            #expect(near.status == 404)
            #expect(post?.status == 405)
            #expect(post?.headers["allow"] == "GET")
            #expect(after.status == 200, "the connection stays usable")
            #expect(after.body.hasSuffix("test_scrapes_total 1\n"), "only GET /metrics makes the exposition")
        }
    }

    @Test func closesWhenTheClientAsks() async throws {
        try await withServer { port, _ in
            let (http11, http11Closed, http10, http10Closed) = try await onOwnThread {
                let first = try HTTPTestConnection(port: port)
                let http11 = try first.get("/metrics", headers: ["Connection: close"])
                let second = try HTTPTestConnection(port: port)
                try second.send("GET /metrics HTTP/1.0\r\n\r\n")
                let http10 = try second.response()
                return (http11, try first.isClosedByServer(), http10, try second.isClosedByServer())
            }
            #expect(http11.status == 200)
            #expect(http11.headers["connection"] == "close")
            #expect(http11Closed)
            #expect(http10?.status == 200)
            #expect(http10Closed)
        }
    }

    @Test func aMalformedRequestGets400AndTheConnectionCloses() async throws {
        try await withServer { port, _ in
            let (response, closed) = try await onOwnThread {
                let connection = try HTTPTestConnection(port: port)
                try connection.send("NOT HTTP AT ALL\r\n\r\n")
                return (try connection.response(), try connection.isClosedByServer())
            }
            #expect(response?.status == 400)
            #expect(closed)
        }
    }

    @Test func aGracefulShutdownClosesIdleConnectionsAndStopsListening() async throws {
        try await withServer { port, group in
            let connection = try await onOwnThread {
                let connection = try HTTPTestConnection(port: port)
                _ = try connection.get("/metrics")
                return UncheckedBox(connection)
            }
            await group.triggerGracefulShutdown()
            let closed = try await onOwnThread { try connection.value.isClosedByServer() }
            #expect(closed, "the idle keep-alive connection is closed")
            let refused = try await onOwnThread {
                // Up to 10 s: on a busy machine the listener may close some time after the shutdown began.
                for _ in 0..<500 {
                    do {
                        _ = try HTTPTestConnection(port: port)
                    } catch let failure as HTTPTestConnection.Failure where failure.code == ECONNREFUSED {
                        return true
                    }
                    usleep(20_000)
                }
                return false
            }
            #expect(refused, "nothing listens any more")
        }
    }
}

/// Carries a connection that only one thread uses at a time from one thread to the next.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
