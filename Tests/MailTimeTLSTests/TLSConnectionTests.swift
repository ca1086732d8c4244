import NIOCore
import Testing

@testable import MailTimeTLS

/// The OpenSSL wrapper alone, without a channel.
@Suite struct TLSConnectionTests {
    private let allocator = ByteBufferAllocator()

    /// A client and a server connection with a completed handshake.
    private func handshaken() throws -> (client: TLSConnection, server: TLSConnection) {
        let client = try TLSConnection(context: TLSFixtures.clientContext(), serverHostname: TLSFixtures.serverName)
        let server = try TLSConnection(context: TLSFixtures.serverContext(), serverHostname: nil)
        var clientDone = false
        var serverDone = false
        for _ in 0..<10 where !(clientDone && serverDone) {
            clientDone = clientDone || client.handshake() == .complete
            if let bytes = client.drainToNetwork(allocator: self.allocator) { server.receiveFromNetwork(bytes) }
            serverDone = serverDone || server.handshake() == .complete
            if let bytes = server.drainToNetwork(allocator: self.allocator) { client.receiveFromNetwork(bytes) }
        }
        #expect(clientDone && serverDone)
        return (client, server)
    }

    private func readAll(_ connection: TLSConnection) -> String {
        var plaintext = self.allocator.buffer(capacity: 0)
        while connection.read(into: &plaintext) == .data {}
        return plaintext.readString(length: plaintext.readableBytes) ?? ""
    }

    /// Ciphertext received while an earlier buffer is still unread is kept behind it, in order.
    @Test func unreadCiphertextIsJoinedWithWhatArrivesNext() throws {
        let (client, server) = try self.handshaken()
        _ = self.readAll(client)  // session tickets
        #expect(client.write(ByteBuffer(string: "first ")) == nil)
        let first = try #require(client.drainToNetwork(allocator: self.allocator))
        #expect(client.write(ByteBuffer(string: "second")) == nil)
        var second = try #require(client.drainToNetwork(allocator: self.allocator))
        // Split the second record so that its head travels with the first.
        let head = second.readSlice(length: 7)!
        var joined = first
        joined.writeImmutableBuffer(head)
        server.receiveFromNetwork(joined)
        server.receiveFromNetwork(second)
        #expect(server.pendingCiphertext == first.readableBytes + head.readableBytes + second.readableBytes)
        #expect(self.readAll(server) == "first second")
        #expect(server.pendingCiphertext == 0)
    }

    @Test func closeNotifyIsReadAfterTheDataBeforeIt() throws {
        let (client, server) = try self.handshaken()
        #expect(client.write(ByteBuffer(string: "bye")) == nil)
        #expect(client.shutdown() == .sent)
        server.receiveFromNetwork(try #require(client.drainToNetwork(allocator: self.allocator)))
        var plaintext = self.allocator.buffer(capacity: 0)
        #expect(server.read(into: &plaintext) == .data)
        #expect(plaintext.readString(length: plaintext.readableBytes) == "bye")
        #expect(server.read(into: &plaintext) == .closeNotify)
        #expect(server.shutdown() == .complete)
        client.receiveFromNetwork(try #require(server.drainToNetwork(allocator: self.allocator)))
        #expect(client.read(into: &plaintext) == .closeNotify)
    }
}
