import Logging
import MailTimeTestSupport
import NIOCore
import NIOEmbedded
import NIOExtras
import Synchronization
import Testing

@testable import MailTimeSMTPServer

@Suite("SMTP server handler")
struct SMTPServerHandlerTests {
    /// A handler on a testing channel, connected, its greeting read.
    private static func connected(
        delegate: FakeSMTPServerDelegate = FakeSMTPServerDelegate(),
        configuration: SMTPServerConfiguration = SMTPServerTestDriver.configuration(),
        isTrusted: Bool = true,
        refusal: SMTPServerReply? = nil,
        reads: ReadCounter = ReadCounter()
    ) async throws -> (NIOAsyncTestingChannel, String) {
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(reads)
            try channel.pipeline.syncOperations.addHandler(
                SMTPServerHandler(
                    configuration: configuration,
                    session: SMTPServerSession(remoteAddress: "127.0.0.1", isTrusted: isTrusted),
                    tlsContext: nil,
                    delegate: delegate,
                    refusal: refusal,
                    logger: .quiet
                )
            )
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).get()
        let greeting = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        return (channel, greeting.text)
    }

    @Test("the greeting, then every reply to a pipelined read in one write")
    func oneWritePerRead() async throws {
        let (channel, greeting) = try await Self.connected()
        #expect(greeting == "220 mx.test ESMTP MailTime\r\n")
        try await channel.writeInbound(ByteBuffer(string: "HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"))
        let replies = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(replies.text == "250 mx.test\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    @Test("a message goes to the delegate with the session; with a command buffered nothing is read until its verdict, which is the reply")
    func delivery() async throws {
        let delegate = FakeSMTPServerDelegate(isHeld: true)
        let reads = ReadCounter()
        let (channel, _) = try await Self.connected(delegate: delegate, reads: reads)
        try await channel.writeInbound(ByteBuffer(string: "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"))
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n.\r\nNOOP\r\n"))
        // A read asked for while the delegate works is held back until the verdict.
        let before = reads.count
        try await channel.testingEventLoop.executeInContext { channel.pipeline.read() }
        #expect(reads.count == before)
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        delegate.release()
        let reply = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(reads.count == before + 1)
        #expect(reply.text == "250 2.0.0 m1 queued\r\n250 2.0.0 OK\r\n")
        let (transaction, session) = try #require(delegate.received.first)
        #expect(transaction.message.text == "Subject: x\r\n\r\nbody\r\n")
        #expect(session.heloName == "c")
        #expect(session.remoteAddress == "127.0.0.1")
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    @Test("while the delegate works one more read is let through; what it brings waits, and reading stops until the verdict")
    func oneReadWhileDelivering() async throws {
        let delegate = FakeSMTPServerDelegate(isHeld: true)
        let reads = ReadCounter()
        let (channel, _) = try await Self.connected(delegate: delegate, reads: reads)
        try await channel.writeInbound(ByteBuffer(string: "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"))
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n.\r\n"))
        // Nothing is buffered: the socket stays registered for reading.
        let before = reads.count
        try await channel.testingEventLoop.executeInContext { channel.pipeline.read() }
        #expect(reads.count == before + 1)
        // That read brings a command: it waits, and the next read is held back.
        try await channel.writeInbound(ByteBuffer(string: "NOOP\r\n"))
        try await channel.testingEventLoop.executeInContext { channel.pipeline.read() }
        #expect(reads.count == before + 1)
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        delegate.release()
        let reply = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(reply.text == "250 2.0.0 m1 queued\r\n250 2.0.0 OK\r\n")
        #expect(reads.count == before + 2)
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    @Test("nothing is read while the replies cannot be written, and reading resumes when they can")
    func writability() async throws {
        let reads = ReadCounter()
        let (channel, _) = try await Self.connected(reads: reads)
        let before = reads.count
        channel.isWritable = false
        try await channel.testingEventLoop.executeInContext { channel.pipeline.read() }
        #expect(reads.count == before)
        channel.isWritable = true
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireChannelWritabilityChanged() }
        #expect(reads.count == before + 1)
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    @Test("the command timeout answers 421 4.4.2 and closes")
    func commandTimeout() async throws {
        let (channel, _) = try await Self.connected()
        try await channel.writeInbound(ByteBuffer(string: "EHLO c\r\n"))
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await channel.testingEventLoop.advanceTime(by: .seconds(299))
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        // A command moves the deadline on.
        try await channel.writeInbound(ByteBuffer(string: "NOOP\r\n"))
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await channel.testingEventLoop.advanceTime(by: .seconds(299))
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        await channel.testingEventLoop.advanceTime(by: .seconds(2))
        let reply = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(reply.text == "421 4.4.2 mx.test Timeout, closing connection\r\n")
        try await channel.closeFuture.get()
    }

    @Test("the data timeout applies inside DATA")
    func dataTimeout() async throws {
        let (channel, _) = try await Self.connected()
        try await channel.writeInbound(ByteBuffer(string: "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"))
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await channel.testingEventLoop.advanceTime(by: .seconds(181))
        let reply = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(reply.text == "421 4.4.2 mx.test Timeout, closing connection\r\n")
        try await channel.closeFuture.get()
    }

    @Test("a quiesce event closes an idle session with 421 4.3.2")
    func quiesce() async throws {
        let (channel, _) = try await Self.connected()
        try await channel.testingEventLoop.executeInContext {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let reply = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(reply.text == "421 4.3.2 mx.test Service shutting down, closing connection\r\n")
        try await channel.closeFuture.get()
    }

    @Test("a refused session gets the refusal and is closed")
    func refusal() async throws {
        let (channel, greeting) = try await Self.connected(refusal: SMTPServerReply(421, (4, 3, 2), "Too many connections"))
        #expect(greeting == "421 4.3.2 Too many connections\r\n")
        try await channel.closeFuture.get()
    }
}

/// Counts the reads that reach it from the handlers after it.
final class ReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer

    private let reads = Mutex(0)

    var count: Int { reads.withLock { $0 } }

    func read(context: ChannelHandlerContext) {
        reads.withLock { $0 += 1 }
        context.read()
    }
}
