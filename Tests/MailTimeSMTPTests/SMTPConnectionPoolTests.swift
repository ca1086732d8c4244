import MailTimeSMTP
import MailTimeTestSupport
import Testing

/// The pool against smtp-sink: connection limit, reuse, idle close, reuse time, liveness checks.
@Suite struct SMTPConnectionPoolTests {
    func pool(_ sink: SMTPSink, _ configuration: SMTPConnectionPool.Configuration) throws -> SMTPConnectionPool {
        try SMTPConnectionPool(
            client: SMTPTestSupport.plaintextClient(port: sink.port),
            configuration: configuration,
            logger: SMTPTestSupport.logger
        )
    }

    @Test(arguments: [1, 2])
    func concurrentSendsShareAtMostTheMaximumConnections(sendersPerConnection: Int) async throws {
        let sink = try await SMTPSink.start()
        let pool = try pool(sink, .init(maximumConnections: 2, sendersPerConnection: sendersPerConnection))
        let mostOpen = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let result = try await pool.send(try SMTPTestSupport.message(to: ["u\(index)@example.org"]))
                    #expect(result.accepted.count == 1)
                    return pool.usage.open
                }
            }
            return try await group.reduce(0) { max($0, $1) }
        }
        #expect(mostOpen <= 2)
        #expect(pool.usage.open == 2)
        #expect(pool.usage.idle == 2)
        try await sink.waitForDelivered(count: 40, timeout: .seconds(10))
        await pool.shutdown()
        #expect(pool.usage.open == 0)
        await #expect(throws: SMTPError.self) { _ = try await pool.send(try SMTPTestSupport.message()) }
    }

    @Test func idleConnectionsCloseAfterTheIdleTimeout() async throws {
        let sink = try await SMTPSink.start()
        let pool = try pool(sink, .init(maximumConnections: 4, idleTimeout: .milliseconds(200)))
        _ = try await pool.send(try SMTPTestSupport.message())
        #expect(pool.usage == .init(open: 1, idle: 1))
        try await Task.sleep(for: .milliseconds(600))
        #expect(pool.usage == .init(open: 0, idle: 0))
        _ = try await pool.send(try SMTPTestSupport.message())
        #expect(try sink.deliveredCount() == 2)
        await pool.shutdown()
    }

    @Test func connectionsAreNotReusedPastTheirMaximumReuseTime() async throws {
        let sink = try await SMTPSink.start()
        let pool = try pool(sink, .init(maximumConnections: 4, maximumReuseTime: .zero))
        for _ in 0..<3 {
            _ = try await pool.send(try SMTPTestSupport.message())
            #expect(pool.usage.open == 0)
        }
        #expect(try sink.deliveredCount() == 3)
    }

    @Test func aConnectionThatFailsItsLivenessCheckIsReplaced() async throws {
        // smtp-sink answers NOOP with 421 and hangs up: the check fails and a new connection is made.
        let sink = try await SMTPSink.start(arguments: ["-Q", "NOOP"])
        let pool = try pool(sink, .init(maximumConnections: 1, livenessCheckAfter: .zero))
        for _ in 0..<3 {
            let result = try await pool.send(try SMTPTestSupport.message())
            #expect(result.accepted.count == 1)
        }
        #expect(try sink.deliveredCount() == 3)
        #expect(pool.usage.open == 1)
        await pool.shutdown()
    }

    @Test func aConnectionTheServerClosedIsNotReused() async throws {
        // smtp-sink drops a session idle for more than four seconds (-t 4; shorter limits can cut a
        // fresh session short on a loaded machine).
        let sink = try await SMTPSink.start(arguments: ["-t", "4"])
        let pool = try pool(sink, .init(maximumConnections: 1, livenessCheckAfter: .seconds(60)))
        _ = try await pool.send(try SMTPTestSupport.message())
        try await Task.sleep(for: .milliseconds(5500))
        let result = try await pool.send(try SMTPTestSupport.message())
        #expect(result.accepted.count == 1)
        #expect(try sink.deliveredCount() == 2)
        await pool.shutdown()
    }

    @Test func probeChecksTheServer() async throws {
        let sink = try await SMTPSink.start()
        try await pool(sink, .init()).probe()
        let refusing = try await SMTPSink.start(arguments: ["-Q", "EHLO"])
        await #expect(throws: SMTPError.self) { try await pool(refusing, .init()).probe() }
    }
}
