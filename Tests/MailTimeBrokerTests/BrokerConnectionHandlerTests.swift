@testable import MailTimeBroker
import MailTimeProtocol
import MailTimeQueue
import NIOCore
import NIOEmbedded
import Testing

/// The connection handler on a testing channel: what protocol.md promises about pipelining
/// (section 3), the session (section 4) and the errors that close a connection (sections 2 and 6).
@Suite struct BrokerConnectionHandlerTests {
    private static let auth = "AUTH \(ConnectionFixture.adminToken)\r\n"

    @Test func greetsAfterTheHandshake() async throws {
        try await ConnectionFixture.run { connection in
            #expect(try await connection.lines(1) == [ConnectionFixture.greeting.line])
            try await connection.send("PING\r\n")
            #expect(try await connection.lines(1) == ["OK PONG"])
        }
    }

    @Test func aConnectionOverTheLimitIsRefusedAndClosed() async throws {
        try await ConnectionFixture.run(admitted: false) { connection in
            let lines = try await connection.lines(1)
            #expect(lines.first?.hasPrefix("ERR TOO_MANY_CONNECTIONS") == true)
            #expect(try await connection.closes())
        }
    }

    @Test func pipelinedRepliesComeInRequestOrder() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            // PING is answered at once and SEND once the queue has stored the email: PING's
            // replies still wait for the SENDs before them.
            var requests = Self.auth
            for index in 0..<10 { requests += ConnectionFixture.sendRequest("\(index)") + "PING\r\n" }
            try await connection.send(requests)
            let lines = try await connection.lines(21)
            #expect(lines[0] == "OK admin")
            var ids: [JobID] = []
            for index in 0..<10 {
                let sent = lines[1 + 2 * index]
                #expect(sent.hasPrefix("OK "))
                ids += [JobID(String(sent.dropFirst(3)))].compactMap { $0 }
                #expect(lines[2 + 2 * index] == "OK PONG")
            }
            #expect(ids.count == 10)
            // Each id is the email sent in its place.
            for (index, id) in ids.enumerated() {
                let payload = try await connection.commands.queue.run(.payload(of: id))
                #expect(String(decoding: payload, as: UTF8.self).contains(#""text":"\#(index)""#))
            }
        }
    }

    @Test func readingPausesPastMaximumInFlightAndResumes() async throws {
        try await ConnectionFixture.run(maximumInFlight: 2) { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth)
            #expect(try await connection.lines(1) == ["OK admin"])
            let readsBefore = connection.reads
            // Two SENDs and a read request in one event-loop turn: the queue cannot answer in between.
            let log = connection.readLog
            let readsWhileFull = try await connection.onEventLoop { channel in
                channel.pipeline.fireChannelRead(ByteBuffer(string: ConnectionFixture.sendRequest() + ConnectionFixture.sendRequest()))
                channel.pipeline.read()
                return log.reads
            }
            #expect(readsWhileFull == readsBefore)
            let lines = try await connection.lines(2)
            #expect(lines.allSatisfy { $0.hasPrefix("OK ") })
            // The first reply freed a place: reading resumed once.
            #expect(connection.reads == readsBefore + 1)
            // Below the limit, a read goes through at once.
            try await connection.onEventLoop { channel in channel.pipeline.read() }
            #expect(connection.reads == readsBefore + 2)
        }
    }

    @Test func readingPausesWhileRepliesAreUnwrittenAndResumesOnceWritten() async throws {
        try await ConnectionFixture.run(maximumInFlight: 2) { connection in
            try await Self.authenticate(connection)
            let gate = connection.writeGate
            let readsBefore = connection.reads
            // Three PINGs in one read, and the client reads nothing: two are answered, their
            // replies stay unwritten, and the third waits unhandled.
            try await connection.sendWithoutReadingReplies("PING\r\nPING\r\nPING\r\n")
            #expect(connection.reads == readsBefore)
            #expect(try await connection.unreadOutput() == "")
            try await connection.onEventLoop { channel in channel.pipeline.read() }
            #expect(connection.reads == readsBefore)
            // Once the replies are written, the third PING is answered and reading resumes.
            try await connection.onEventLoop { _ in gate.open() }
            #expect(try await connection.lines(3) == ["OK PONG", "OK PONG", "OK PONG"])
            #expect(connection.reads == readsBefore + 1)
        }
    }

    @Test func readingPausesPastTheUnwrittenReplyBytes() async throws {
        // "OK PONG\r\n" is 9 bytes: the second PONG unwritten reaches 10.
        try await ConnectionFixture.run(maximumUnwrittenReplyBytes: 10) { connection in
            try await Self.authenticate(connection)
            let gate = connection.writeGate
            let readsBefore = connection.reads
            try await connection.sendWithoutReadingReplies("PING\r\nPING\r\nPING\r\nPING\r\n")
            #expect(connection.reads == readsBefore)
            try await connection.onEventLoop { _ in gate.open() }
            #expect(try await connection.lines(4) == Array(repeating: "OK PONG", count: 4))
            #expect(connection.reads == readsBefore + 1)
            #expect(connection.budget.total == 0)
        }
    }

    @Test func overTheTotalBudgetAConnectionWithUnwrittenRepliesWaitsForIt() async throws {
        try await ConnectionFixture.run(budget: UnwrittenReplyBudget(limit: 100)) { connection in
            try await Self.authenticate(connection)
            let gate = connection.writeGate
            let budget = connection.budget
            let readsBefore = connection.reads
            try await connection.sendWithoutReadingReplies("PING\r\n")
            #expect(connection.reads == readsBefore + 1)
            #expect(budget.total == 9)
            // Other connections' replies take the total over the budget.
            budget.take(200)
            try await connection.onEventLoop { channel in
                channel.pipeline.read()
                channel.pipeline.fireChannelRead(ByteBuffer(string: "PING\r\n"))
            }
            await connection.channel.testingEventLoop.run()
            #expect(connection.reads == readsBefore + 1)
            #expect(budget.total == 9 + 200)
            // Their replies written, the held PING is answered and reading resumes, although
            // this connection's own reply is still unwritten.
            budget.release(200)
            await connection.channel.testingEventLoop.run()
            #expect(connection.reads == readsBefore + 2)
            #expect(budget.total == 18)
            try await connection.onEventLoop { _ in gate.open() }
            #expect(try await connection.lines(2) == ["OK PONG", "OK PONG"])
            #expect(budget.total == 0)
        }
    }

    @Test func overTheTotalBudgetAConnectionWithEverythingWrittenReads() async throws {
        try await ConnectionFixture.run(budget: UnwrittenReplyBudget(limit: 100)) { connection in
            try await Self.authenticate(connection)
            connection.budget.take(200)
            let readsBefore = connection.reads
            try await connection.onEventLoop { channel in channel.pipeline.read() }
            #expect(connection.reads == readsBefore + 1)
            try await connection.send("PING\r\n")
            #expect(try await connection.lines(1) == ["OK PONG"])
        }
    }

    @Test func aClosedConnectionGivesBackItsUnwrittenReplyBytes() async throws {
        let budget = UnwrittenReplyBudget(limit: 100)
        try await ConnectionFixture.run(budget: budget) { connection in
            try await Self.authenticate(connection)
            let gate = connection.writeGate
            try await connection.onEventLoop { channel in
                gate.close()
                channel.pipeline.fireChannelRead(ByteBuffer(string: "PING\r\n"))
            }
            await connection.channel.testingEventLoop.run()
            #expect(budget.total == 9)
            try await connection.onEventLoop { channel in channel.close(promise: nil) }
            #expect(try await connection.closes())
        }
        #expect(budget.total == 0)
    }

    private static func authenticate(_ connection: ConnectionFixture) async throws {
        _ = try await connection.lines(1)
        try await connection.send(auth)
        #expect(try await connection.lines(1) == ["OK admin"])
    }

    @Test func belowMaximumInFlightReadsGoThrough() async throws {
        // AUTH's reply, not written before the end of the event-loop turn, still counts: 3 of 4.
        try await ConnectionFixture.run(maximumInFlight: 4) { connection in
            _ = try await connection.lines(1)
            let readsBefore = connection.reads
            try await connection.onEventLoop { channel in
                channel.pipeline.fireChannelRead(ByteBuffer(string: Self.auth + ConnectionFixture.sendRequest() + ConnectionFixture.sendRequest()))
                channel.pipeline.read()
            }
            #expect(connection.reads == readsBefore + 1)
            _ = try await connection.lines(3)
        }
    }

    @Test func shutdownAnswersWhatIsInFlightThenCloses() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth)
            _ = try await connection.lines(1)
            let readsBefore = connection.reads
            try await connection.onEventLoop { channel in
                channel.pipeline.fireChannelRead(ByteBuffer(string: ConnectionFixture.sendRequest() + ConnectionFixture.sendRequest()))
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                // Requests after the shutdown began are not read, nor answered.
                channel.pipeline.fireChannelRead(ByteBuffer(string: "PING\r\n"))
                channel.pipeline.read()
            }
            #expect(connection.reads == readsBefore)
            let lines = try await connection.lines(2)
            #expect(lines.allSatisfy { $0.hasPrefix("OK ") && $0 != "OK PONG" })
            #expect(try await connection.closes())
            #expect(try await connection.unreadOutput() == "")
            let stats = try await connection.commands.queue.run(.stats())
            #expect(stats.counts[.ready] == 2)
        }
    }

    @Test func shutdownWithNothingInFlightClosesAtOnce() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.fire(ChannelShouldQuiesceEvent())
            #expect(try await connection.closes())
        }
    }

    @Test func quitRepliesAfterEarlierRequestsThenCloses() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth + ConnectionFixture.sendRequest() + "QUIT\r\nPING\r\n")
            let lines = try await connection.lines(3)
            #expect(lines[0] == "OK admin")
            #expect(lines[1].hasPrefix("OK ") && lines[1] != "OK BYE")
            #expect(lines[2] == "OK BYE")
            #expect(try await connection.closes())
            #expect(try await connection.unreadOutput() == "")
        }
    }

    @Test func aLineTooLongIsAnsweredAndCloses() async throws {
        try await ConnectionFixture.run(maximumLineLength: 64) { connection in
            _ = try await connection.lines(1)
            try await connection.send("PING\r\n" + String(repeating: "x", count: 100) + "\r\nPING\r\n")
            let lines = try await connection.lines(2)
            #expect(lines[0] == "OK PONG")
            #expect(lines[1].hasPrefix("ERR LINE_TOO_LONG"))
            #expect(try await connection.closes())
        }
    }

    @Test func aPayloadWithoutCRLFIsAnsweredAndCloses() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth + "SEND 2\r\nabXYPING\r\n")
            let lines = try await connection.lines(2)
            #expect(lines[1].hasPrefix("ERR EXPECTED_CRLF"))
            #expect(try await connection.closes())
        }
    }

    @Test func anOversizedPayloadIsRefusedAndTheConnectionGoesOn() async throws {
        try await ConnectionFixture.run(maximumPayloadSize: 10) { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth + "SEND 20\r\n" + String(repeating: "y", count: 20) + "\r\nPING\r\n")
            let lines = try await connection.lines(3)
            #expect(lines[1].hasPrefix("ERR EMAIL_TOO_LARGE"))
            #expect(lines[2] == "OK PONG")
            #expect(connection.channel.isActive)
        }
    }

    @Test func commandsBeforeAuthAreRefusedButTheConnectionStays() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send("STATS\r\nBOGUS\r\n\r\nSEND {}\r\nHELP\r\n")
            let lines = try await connection.lines(4)
            #expect(lines[0].hasPrefix("ERR AUTH_REQUIRED"))
            // Unknown commands and empty lines too: before AUTH a line is judged by its command word alone.
            #expect(lines[1].hasPrefix("ERR AUTH_REQUIRED"))
            #expect(lines[2].hasPrefix("ERR AUTH_REQUIRED"))
            #expect(lines[3].hasPrefix("ERR AUTH_REQUIRED"))
            #expect(try await connection.lines(1) == ["OK 25"])
            #expect(connection.channel.isActive)
        }
    }

    @Test func theThirdFailedAuthIsAnsweredAfterASecondAndCloses() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send("AUTH wrong\r\nAUTH wrong\r\nAUTH wrong\r\nPING\r\n")
            let first = try await connection.lines(2)
            #expect(first.allSatisfy { $0.hasPrefix("ERR AUTH_FAILED") })
            // The third reply waits a second; the PING behind it is never answered.
            await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(999))
            #expect(try await connection.unreadOutput() == "")
            #expect(connection.channel.isActive)
            await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(1))
            let third = try await connection.lines(1)
            #expect(third[0].hasPrefix("ERR AUTH_FAILED"))
            #expect(try await connection.closes())
            #expect(try await connection.unreadOutput() == "")
        }
    }

    @Test func anIdleConnectionClosesOnlyWithNothingInFlight() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth)
            _ = try await connection.lines(1)
            // A reply in flight keeps it open.
            try await connection.onEventLoop { channel in
                channel.pipeline.fireChannelRead(ByteBuffer(string: ConnectionFixture.sendRequest()))
                channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
            }
            #expect(connection.channel.isActive)
            _ = try await connection.lines(1)
            try await connection.fire(IdleStateHandler.IdleStateEvent.read)
            #expect(try await connection.closes())
        }
    }

    @Test func anEventStreamIsNotClosedForIdleness() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.send(Self.auth + "EVENTS\r\nSTATS\r\n")
            let lines = try await connection.lines(3)
            #expect(lines[1] == "OK EVENTS")
            #expect(lines[2].hasPrefix("ERR EVENTS_ONLY"))
            try await connection.fire(IdleStateHandler.IdleStateEvent.read)
            #expect(connection.channel.isActive)
            try await connection.send("QUIT\r\n")
            #expect(try await connection.lines(1) == ["OK BYE"])
            #expect(try await connection.closes())
        }
    }

    @Test func anEventStreamCarriesQueueEvents() async throws {
        try await ConnectionFixture.run { connection in
            let hub = connection.hub
            let events = connection.commands.queue.events
            let feeding = Task { await hub.run(events) }
            defer { feeding.cancel() }
            _ = try await connection.lines(1)
            try await connection.send(Self.auth + "EVENTS\r\n")
            #expect(try await connection.lines(2)[1] == "OK EVENTS")
            let id = try await connection.commands.send(BrokerCommandExecutorTests.email)
            _ = try await connection.commands.reply("CANCEL \(id)")
            let event = try await connection.lines(1)[0]
            #expect(event.hasPrefix("EVENT {"))
            #expect(event.contains(#""cancelled""#))
            #expect(event.contains(id.description))
        }
    }

    @Test func anErrorCloses() async throws {
        try await ConnectionFixture.run { connection in
            _ = try await connection.lines(1)
            try await connection.onEventLoop { channel in
                channel.pipeline.fireErrorCaught(ChannelError.ioOnClosedChannel)
            }
            #expect(try await connection.closes())
        }
    }
}
