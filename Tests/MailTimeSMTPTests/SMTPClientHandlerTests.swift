@testable import MailTimeSMTP
import MailTimeMessage
import NIOCore
import NIOEmbedded
import Testing

/// `SMTPClientHandler` in an embedded channel: requests written while another is under way wait
/// in the connection, and go out right behind its message (PIPELINING) or the moment it ends.
@Suite struct SMTPClientHandlerTests {
    /// A session greeted and ready, with PIPELINING unless `ehlo` says otherwise.
    func readySession(ehlo: String = "250-sink\r\n250 PIPELINING\r\n") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let session = channel.eventLoop.makePromise(of: SMTPCapabilities.self)
        let handler = SMTPClientHandler(
            configuration: SMTPTestSupport.plaintextClient(port: 25), tlsContext: nil, session: session, logger: SMTPTestSupport.logger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        try channel.writeInbound(ByteBuffer(string: "220 sink ESMTP\r\n"))
        #expect(try written(channel).hasPrefix("EHLO "))
        try channel.writeInbound(ByteBuffer(string: ehlo))
        _ = try session.futureResult.wait()
        return channel
    }

    /// What the handler flushed, after the loop ran its tasks (a message's flush waits for them).
    func written(_ channel: EmbeddedChannel) throws -> String {
        channel.embeddedEventLoop.run()
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    func send(to recipient: String, on channel: EmbeddedChannel) throws -> EventLoopFuture<SMTPDeliveryResult> {
        let transaction = SMTPClientStateMachine.Transaction(
            envelope: SMTPEnvelope(sender: try EmailAddress("app@example.com"), recipients: [try EmailAddress(recipient)]),
            data: SMTPMessageData(Array("Subject: hi\r\n\r\nHello.\r\n".utf8)),
            needsSMTPUTF8: false,
            needs8BitMIME: false
        )
        let promise = channel.eventLoop.makePromise(of: SMTPDeliveryResult.self)
        try channel.writeOutbound(SMTPRequest.send(transaction, promise))
        return promise.futureResult
    }

    static let message = "Subject: hi\r\n\r\nHello.\r\n.\r\n"
    static func envelope(to recipient: String) -> String {
        "MAIL FROM:<app@example.com>\r\nRCPT TO:<\(recipient)>\r\nDATA\r\n"
    }

    @Test func aWaitingMessageIsPipelinedBehindTheMessageBeforeIt() throws {
        let channel = try readySession()
        let first = try send(to: "ann@example.org", on: channel)
        let second = try send(to: "bob@example.org", on: channel)
        #expect(try written(channel) == Self.envelope(to: "ann@example.org"))
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n250 ok\r\n354 go\r\n"))
        #expect(try written(channel) == Self.message + Self.envelope(to: "bob@example.org"))
        // The server answers the message and the pipelined commands in one go.
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n250 ok\r\n250 ok\r\n354 go\r\n"))
        #expect(try first.wait().accepted.count == 1)
        #expect(try written(channel) == Self.message)
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n"))
        #expect(try second.wait().accepted.map(\.recipient.address) == ["bob@example.org"])
    }

    @Test func aMessageWrittenWhileTheDataAwaitsItsFlushGoesInTheSameWrite() throws {
        let channel = try readySession()
        let first = try send(to: "ann@example.org", on: channel)
        #expect(try written(channel) == Self.envelope(to: "ann@example.org"))
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n250 ok\r\n354 go\r\n"))
        // Before the loop runs its tasks, the next sender's message arrives.
        let second = try send(to: "bob@example.org", on: channel)
        var flushed = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            flushed += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        #expect(flushed == Self.message + Self.envelope(to: "bob@example.org"))
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"))
        #expect(try first.wait().accepted.count == 1)
        #expect(try second.wait().accepted.count == 1)
    }

    @Test func aPipelinedMessageFailsBeforeItsDataWhenTheSessionEnds() throws {
        let channel = try readySession()
        let first = try send(to: "ann@example.org", on: channel)
        let second = try send(to: "bob@example.org", on: channel)
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n250 ok\r\n354 go\r\n"))
        #expect(try written(channel).hasSuffix(Self.envelope(to: "bob@example.org")))
        try channel.writeInbound(ByteBuffer(string: "421 closing\r\n"))
        do {
            _ = try first.wait()
            Issue.record("the message in flight was not failed")
        } catch let error as SMTPError {
            #expect(!error.isBeforeData, "its data went out")
        }
        do {
            _ = try second.wait()
            Issue.record("the pipelined message was not failed")
        } catch let error as SMTPError {
            #expect(error.isBeforeData, "its data never went out, so it may go on another connection")
        }
    }

    @Test func withoutPipeliningASecondMessageStartsAsSoonAsTheFirstEnds() throws {
        let channel = try readySession(ehlo: "250 sink\r\n")
        let first = try send(to: "ann@example.org", on: channel)
        let second = try send(to: "bob@example.org", on: channel)
        #expect(try written(channel) == "MAIL FROM:<app@example.com>\r\n")
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n"))
        #expect(try written(channel) == "RCPT TO:<ann@example.org>\r\n")
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n"))
        #expect(try written(channel) == "DATA\r\n")
        try channel.writeInbound(ByteBuffer(string: "354 go\r\n"))
        #expect(try written(channel) == Self.message)
        // The first message's end is answered: the second goes out in the same turn, nothing in between.
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n"))
        #expect(try first.wait().accepted.count == 1)
        #expect(try written(channel) == "MAIL FROM:<app@example.com>\r\n")
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n250 ok\r\n354 go\r\n"))
        _ = try written(channel)
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n"))
        #expect(try second.wait().accepted.map(\.recipient.address) == ["bob@example.org"])
    }

    @Test func aWaitingMessageFailsBeforeItsDataWhenTheSessionEnds() throws {
        let channel = try readySession()
        let first = try send(to: "ann@example.org", on: channel)
        let second = try send(to: "bob@example.org", on: channel)
        _ = try written(channel)
        try channel.writeInbound(ByteBuffer(string: "421 closing\r\n"))
        #expect(throws: SMTPError.self) { try first.wait() }
        do {
            _ = try second.wait()
            Issue.record("the waiting message was not failed")
        } catch let error as SMTPError {
            #expect(error.isBeforeData, "it never reached the server, so it may go on another connection")
        }
        #expect(try written(channel).isEmpty, "nothing of the waiting message was sent")
    }
}
