@testable import MailTimeSMTP
import MailTimeTestSupport
import NIOCore
import NIOPosix
import Testing

/// The pool against smtp-sink: connection limit, reuse on the caller's loop, reuse time, liveness
/// checks, a connection the server closed. Its timing decisions are tested in
/// `SMTPConnectionPoolStateMachineTests`, with a manual clock.
@Suite(.tags(.peer), .unlessSkipped(.peer)) struct SMTPConnectionPoolTests {
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

    @Test func callersOnAnEventLoopAreGivenConnectionsOnThatLoop() async throws {
        // smtp-sink answers the final dot after a second, so both first sends need a connection.
        let sink = try await SMTPSink.start(arguments: ["-w", "1"])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let pool = try SMTPConnectionPool(
            client: SMTPTestSupport.plaintextClient(port: sink.port),
            configuration: .init(maximumConnections: 2, sendersPerConnection: 1),
            eventLoopGroup: group,
            logger: SMTPTestSupport.logger
        )
        func send(on loop: any EventLoop) async throws {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask(executorPreference: EventLoopTaskExecutor(eventLoop: loop)) {
                    _ = try await pool.send(try SMTPTestSupport.message())
                }
                try await tasks.waitForAll()
            }
        }
        func idleLoops() -> [ObjectIdentifier] {
            pool.state.withLock { $0.idleConnections.map { ObjectIdentifier($0.channel.eventLoop) } }
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for loop in loops { tasks.addTask { try await send(on: loop) } }
            try await tasks.waitForAll()
        }
        #expect(Set(idleLoops()) == Set(loops.map(ObjectIdentifier.init)))
        // Each caller takes the idle connection on its own loop, not just the one used last.
        for loop in [loops[0], loops[1], loops[1], loops[0]] {
            try await send(on: loop)
            #expect(idleLoops().count == 2)
            #expect(idleLoops().last == ObjectIdentifier(loop))
        }
        #expect(try sink.deliveredCount() == 6)
        await pool.shutdown()
        try await group.shutdownGracefully()
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
        // The sink stops while the pool's connection is idle (closing it from the server's end),
        // and another takes its port: the next send goes on a new connection.
        let sink = try await SMTPSink.start()
        let pool = try pool(sink, .init(maximumConnections: 1, livenessCheckAfter: .seconds(60)))
        _ = try await pool.send(try SMTPTestSupport.message())
        #expect(pool.usage == .init(open: 1, idle: 1))
        sink.stop()
        let restarted = try await SMTPSink.start(port: sink.port)
        let result = try await pool.send(try SMTPTestSupport.message())
        #expect(result.accepted.count == 1)
        #expect(try restarted.deliveredCount() == 1)
        await pool.shutdown()
    }

    @Test func probeChecksTheServer() async throws {
        let sink = try await SMTPSink.start()
        try await pool(sink, .init()).probe()
        let refusing = try await SMTPSink.start(arguments: ["-Q", "EHLO"])
        await #expect(throws: SMTPError.self) { try await pool(refusing, .init()).probe() }
    }
}
