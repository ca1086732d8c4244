@testable import MailTimeSMTP
import MailTimeMessage
import NIOCore
import NIOEmbedded
import Testing

/// `SMTPClientHandler` in an embedded channel: requests written while another is under way wait
/// in the connection and start the moment it ends.
@Suite struct SMTPClientHandlerTests {
    /// A session greeted and ready, with PIPELINING.
    func readySession() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let session = channel.eventLoop.makePromise(of: SMTPCapabilities.self)
        let handler = SMTPClientHandler(
            configuration: SMTPTestSupport.plaintextClient(port: 25), tlsContext: nil, session: session, logger: SMTPTestSupport.logger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        try channel.writeInbound(ByteBuffer(string: "220 sink ESMTP\r\n"))
        #expect(try written(channel).hasPrefix("EHLO "))
        try channel.writeInbound(ByteBuffer(string: "250-sink\r\n250 PIPELINING\r\n"))
        #expect(try session.futureResult.wait().pipelining)
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
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

    @Test func aSecondMessageStartsAsSoonAsTheFirstEnds() throws {
        let channel = try readySession()
        let first = try send(to: "ann@example.org", on: channel)
        let second = try send(to: "bob@example.org", on: channel)
        #expect(try written(channel) == "MAIL FROM:<app@example.com>\r\nRCPT TO:<ann@example.org>\r\nDATA\r\n")
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n250 ok\r\n354 go\r\n"))
        #expect(try written(channel).hasSuffix("\r\n.\r\n"))
        // The first message's end is answered: the second goes out in the same turn, nothing in between.
        try channel.writeInbound(ByteBuffer(string: "250 queued\r\n"))
        #expect(try first.wait().accepted.count == 1)
        #expect(try written(channel) == "MAIL FROM:<app@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
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
