import COpenSSL
import NIOCore
import NIOEmbedded
import Testing

@testable import MailTimeTLS

@Suite struct TLSHandlerTests {
    private func pair(
        client: TLSContext? = nil,
        server: TLSContext? = nil,
        serverHostname: String? = TLSFixtures.serverName
    ) throws -> BackToBackChannels {
        try BackToBackChannels(
            clientContext: client ?? TLSFixtures.clientContext(),
            serverContext: server ?? TLSFixtures.serverContext(),
            serverHostname: serverHostname
        )
    }

    private func connected(
        client: TLSContext? = nil,
        server: TLSContext? = nil
    ) throws -> BackToBackChannels {
        let channels = try self.pair(client: client, server: server)
        channels.connect()
        try channels.interact()
        #expect(channels.clientRecorder.handshakeCompletedEvents == 1)
        #expect(channels.serverRecorder.handshakeCompletedEvents == 1)
        return channels
    }

    @Test(arguments: [TLSVersion.tls12, .tls13])
    func handshakeReportsVersionAndPeerCertificate(version: TLSVersion) throws {
        let channels = try self.connected(server: TLSFixtures.serverContext(maximumVersion: version))
        let info = try #require(channels.clientRecorder.handshakeInfo)
        #expect(info.version == version)
        #expect(!info.cipher.isEmpty)
        #expect(info.peerCertificate?.subject == "CN=\(TLSFixtures.serverName)")
        #expect(info.peerCertificate?.issuer == "CN=MailTime Test CA")
        #expect(info.peerCertificate?.fingerprint == (try TLSFixtures.server.fingerprint()))
        #expect(channels.clientHandler.handshakeInfo == info)
        #expect(channels.serverRecorder.handshakeInfo?.peerCertificate == nil)
        #expect(channels.clientRecorder.errors.isEmpty && channels.serverRecorder.errors.isEmpty)

        channels.send("MAIL FROM:<a@example.test>\r\n", from: channels.client)
        channels.send("250 OK\r\n", from: channels.server)
        try channels.interact()
        #expect(channels.serverRecorder.receivedText == "MAIL FROM:<a@example.test>\r\n")
        #expect(channels.clientRecorder.receivedText == "250 OK\r\n")
    }

    @Test func writesBeforeTheHandshakeAreSentAfterItInOrder() throws {
        let channels = try self.pair()
        let first = channels.loop.makePromise(of: Void.self)
        channels.client.write(ByteBuffer(string: "one "), promise: first)
        channels.client.writeAndFlush(ByteBuffer(string: "two"), promise: nil)
        // Nothing is written before the channel is active: no plaintext can leak.
        #expect(try BackToBackChannels.take(from: channels.client) == nil)
        channels.connect()
        try channels.interact()
        #expect(channels.serverRecorder.receivedText == "one two")
        try first.futureResult.wait()
    }

    @Test func zeroLengthWritesSucceedWithoutRecords() throws {
        let channels = try self.connected()
        let empty = channels.loop.makePromise(of: Void.self)
        channels.client.writeAndFlush(ByteBuffer(), promise: empty)
        try empty.futureResult.wait()
        #expect(try BackToBackChannels.take(from: channels.client) == nil)

        let emptyBeforeData = channels.loop.makePromise(of: Void.self)
        channels.client.write(ByteBuffer(), promise: emptyBeforeData)
        channels.client.writeAndFlush(ByteBuffer(string: "x"), promise: nil)
        try channels.interact()
        try emptyBeforeData.futureResult.wait()
        #expect(channels.serverRecorder.receivedText == "x")
        #expect(channels.serverRecorder.reads.allSatisfy { $0.readableBytes > 0 })
    }

    @Test func zeroLengthWritesBeforeTheHandshakeSucceedWithIt() throws {
        let channels = try self.pair()
        let empty = channels.loop.makePromise(of: Void.self)
        channels.client.writeAndFlush(ByteBuffer(), promise: empty)
        channels.connect()
        try channels.interact()
        try empty.futureResult.wait()
        #expect(channels.serverRecorder.reads.isEmpty)
        #expect(channels.serverRecorder.errors.isEmpty)
    }

    /// TLS 1.3: the client's Finished and its first data reach the server in one read.
    @Test func dataArrivingWithTheClientsFinishedIsDelivered() throws {
        let channels = try self.pair()
        channels.send("EHLO client\r\n", from: channels.client)
        channels.connect()
        // ClientHello → server; server flight → client, which completes and sends Finished + data.
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        try channels.client.writeInbound(try #require(try BackToBackChannels.take(from: channels.server)))
        #expect(channels.clientRecorder.handshakeCompletedEvents == 1)
        #expect(channels.serverRecorder.handshakeCompletedEvents == 0)
        let lastFlight = try #require(try BackToBackChannels.take(from: channels.client))
        try channels.server.writeInbound(lastFlight)
        #expect(channels.serverRecorder.handshakeCompletedEvents == 1)
        #expect(channels.serverRecorder.receivedText == "EHLO client\r\n")
    }

    /// TLS 1.2: the server finishes last, and its first data travels with its Finished.
    @Test func dataArrivingWithTheServersFinishedIsDelivered() throws {
        let channels = try self.pair(server: TLSFixtures.serverContext(maximumVersion: .tls12))
        channels.send("220 ready\r\n", from: channels.server)
        channels.connect()
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        try channels.client.writeInbound(try #require(try BackToBackChannels.take(from: channels.server)))
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        #expect(channels.serverRecorder.handshakeCompletedEvents == 1)
        #expect(channels.clientRecorder.handshakeCompletedEvents == 0)
        try channels.client.writeInbound(try #require(try BackToBackChannels.take(from: channels.server)))
        #expect(channels.clientRecorder.handshakeCompletedEvents == 1)
        #expect(channels.clientRecorder.handshakeInfo?.version == .tls12)
        #expect(channels.clientRecorder.receivedText == "220 ready\r\n")
    }

    /// TLS 1.3 session tickets come after the handshake: reading them yields no plaintext and no error.
    @Test func sessionTicketsAreConsumedSilently() throws {
        let channels = try self.pair()
        channels.connect()
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        try channels.client.writeInbound(try #require(try BackToBackChannels.take(from: channels.server)))
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        // The server completes and sends its tickets at once.
        let tickets = try #require(try BackToBackChannels.take(from: channels.server))
        #expect(tickets.readableBytes > 0)
        try channels.client.writeInbound(tickets)
        #expect(channels.clientRecorder.reads.isEmpty)
        #expect(channels.clientRecorder.errors.isEmpty)
        let connection = try #require(channels.clientHandler.connection)
        let session = try #require(SSL_get1_session(connection.ssl))
        defer { SSL_SESSION_free(session) }
        #expect(SSL_SESSION_is_resumable(session) == 1)
    }

    @Test func keyUpdateRequestedByEitherSideKeepsDataFlowing() throws {
        let channels = try self.connected()
        for (channel, handler) in [(channels.client, channels.clientHandler), (channels.server, channels.serverHandler)] {
            let ssl = try #require(handler.connection).ssl
            #expect(SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1)
            channels.send("after key update\n", from: channel)
            try channels.interact()
        }
        channels.send("both updated\n", from: channels.client)
        channels.send("both updated\n", from: channels.server)
        try channels.interact()
        #expect(channels.serverRecorder.receivedText == "after key update\nboth updated\n")
        #expect(channels.clientRecorder.receivedText == "after key update\nboth updated\n")
        #expect(channels.clientRecorder.errors.isEmpty && channels.serverRecorder.errors.isEmpty)
    }

    @Test func theServerRefusesRenegotiation() throws {
        let channels = try self.connected(server: TLSFixtures.serverContext(maximumVersion: .tls12))
        let connection = try #require(channels.clientHandler.connection)
        // Our own client refuses renegotiation too; let this one ask, behind its handler's back.
        SSL_clear_options(connection.ssl, mailtime_SSL_OP_NO_RENEGOTIATION)
        #expect(SSL_renegotiate(connection.ssl) == 1)
        #expect(SSL_do_handshake(connection.ssl) == -1)
        let clientHello = try #require(connection.drainToNetwork(allocator: ByteBufferAllocator()))
        try channels.server.writeInbound(clientHello)
        // A server that renegotiated would answer with ServerHello, Certificate and more; this one
        // sends a single no_renegotiation warning alert (one record: 5 + 8 + 2 + 16 bytes with AES-GCM).
        // OpenSSL 3 servers refuse client-initiated renegotiation unless told otherwise; this keeps it so.
        let answer = try #require(try BackToBackChannels.take(from: channels.server))
        #expect(answer.readableBytes == 31)
        #expect(answer.getInteger(at: 0, as: UInt8.self) == 21)
        #expect(channels.server.isActive)
        #expect(channels.serverRecorder.errors.isEmpty)
        #expect(channels.serverRecorder.handshakeCompletedEvents == 1)
    }

    @Test func theClientRefusesRenegotiation() throws {
        let channels = try self.connected(server: TLSFixtures.serverContext(maximumVersion: .tls12))
        let connection = try #require(channels.serverHandler.connection)
        // Our own server refuses renegotiation too; let this one ask with a HelloRequest.
        SSL_clear_options(connection.ssl, mailtime_SSL_OP_NO_RENEGOTIATION)
        #expect(SSL_renegotiate(connection.ssl) == 1)
        // The server writes its HelloRequest and does not wait for an answer.
        #expect(SSL_do_handshake(connection.ssl) == 1)
        let helloRequest = try #require(connection.drainToNetwork(allocator: ByteBufferAllocator()))
        try channels.client.writeInbound(helloRequest)
        // A client that renegotiated would send a ClientHello; this one sends one warning alert.
        let answer = try #require(try BackToBackChannels.take(from: channels.client))
        #expect(answer.readableBytes == 31)
        #expect(answer.getInteger(at: 0, as: UInt8.self) == 21)
        #expect(channels.client.isActive)
        #expect(channels.clientRecorder.errors.isEmpty)
    }

    @Test func clientCloseSendsCloseNotifyAndTheServerAnswers() throws {
        let channels = try self.connected()
        channels.send("QUIT\r\n", from: channels.client)
        let closed = channels.client.close()
        #expect(channels.client.isActive)
        try channels.interact()
        #expect(channels.serverRecorder.receivedText == "QUIT\r\n")
        #expect(!channels.server.isActive)
        #expect(!channels.client.isActive)
        try closed.wait()
        #expect(channels.clientRecorder.errors.isEmpty && channels.serverRecorder.errors.isEmpty)
    }

    @Test func serverCloseSendsCloseNotifyAndTheClientAnswers() throws {
        let channels = try self.connected()
        let closed = channels.server.close()
        try channels.interact()
        try closed.wait()
        #expect(!channels.client.isActive && !channels.server.isActive)
        #expect(channels.clientRecorder.errors.isEmpty && channels.serverRecorder.errors.isEmpty)
    }

    @Test func writesAfterCloseFail() throws {
        let channels = try self.connected()
        channels.client.close(promise: nil)
        let write = channels.loop.makePromise(of: Void.self)
        channels.client.writeAndFlush(ByteBuffer(string: "late"), promise: write)
        #expect(throws: ChannelError.ioOnClosedChannel) { try write.futureResult.wait() }
    }

    @Test func closeGivesUpOnASilentPeerAfterTheTimeout() throws {
        let channels = try self.connected()
        let closed = channels.client.close()
        _ = try BackToBackChannels.take(from: channels.client)
        #expect(channels.client.isActive)
        channels.loop.advanceTime(by: .seconds(5))
        #expect(!channels.client.isActive)
        try closed.wait()
    }

    @Test func eofWithoutCloseNotifyIsAnUncleanShutdown() throws {
        let channels = try self.connected()
        channels.client.pipeline.fireChannelInactive()
        #expect(channels.clientRecorder.tlsErrors.map(\.code) == [.uncleanShutdown])
    }

    @Test func eofDuringTheHandshakeIsReported() throws {
        let channels = try self.pair()
        channels.connect()
        try channels.server.writeInbound(try #require(try BackToBackChannels.take(from: channels.client)))
        channels.server.pipeline.fireChannelInactive()
        #expect(channels.serverRecorder.tlsErrors.map(\.code) == [.eofDuringHandshake])
    }

    @Test func aStalledPeerTimesTheHandshakeOut() throws {
        let channels = try self.pair()
        channels.connect()
        // The ClientHello goes nowhere: the server never answers.
        _ = try BackToBackChannels.take(from: channels.client)
        channels.loop.advanceTime(by: .seconds(9))
        #expect(channels.client.isActive)
        channels.loop.advanceTime(by: .seconds(1))
        #expect(!channels.client.isActive && !channels.server.isActive)
        #expect(channels.clientRecorder.tlsErrors.map(\.code) == [.handshakeTimeout])
        #expect(channels.serverRecorder.tlsErrors.map(\.code) == [.handshakeTimeout])
    }

    @Test func garbageInsteadOfAClientHelloFailsTheHandshake() throws {
        let channels = try self.pair()
        channels.connect()
        _ = try BackToBackChannels.take(from: channels.client)
        try channels.server.writeInbound(ByteBuffer(string: "EHLO mail.example.test\r\n"))
        #expect(!channels.server.isActive)
        let error = try #require(channels.serverRecorder.tlsErrors.first)
        #expect(error.code == .handshakeFailed)
        #expect(!error.openSSLErrors.isEmpty)
        #expect(channels.serverRecorder.reads.isEmpty)
    }

    @Test func theHandshakeSurvivesBytesArrivingOneAtATime() throws {
        let channels = try self.pair()
        channels.send("hello", from: channels.client)
        channels.connect()
        var moved = true
        while moved {
            moved = false
            for (from, to) in [(channels.client, channels.server), (channels.server, channels.client)] {
                guard var bytes = try BackToBackChannels.take(from: from) else { continue }
                moved = true
                while let byte = bytes.readSlice(length: 1) {
                    try to.writeInbound(byte)
                }
            }
        }
        #expect(channels.serverRecorder.receivedText == "hello")
        #expect(channels.clientRecorder.handshakeCompletedEvents == 1)
    }

    @Test func aWrongHostNameIsRejected() throws {
        let channels = try self.pair(serverHostname: "other.example.test")
        channels.connect()
        try channels.interact()
        let error = try #require(channels.clientRecorder.tlsErrors.first)
        #expect(error.code == .certificateVerificationFailed)
        #expect(error.reason.contains("hostname mismatch"))
        #expect(!channels.client.isActive && !channels.server.isActive)
        // The client's alert tells the server why.
        #expect(channels.serverRecorder.tlsErrors.first?.code == .handshakeFailed)
    }

    @Test func aVerifyingClientNeedsAHostName() throws {
        let error = #expect(throws: TLSError.self) {
            try TLSHandler(tlsContext: TLSFixtures.clientContext(), logger: TLSFixtures.logger)
        }
        #expect(error?.code == .invalidConfiguration)
        // Pinning identifies the server by its certificate alone.
        let pin = try TLSFixtures.server.fingerprint()
        _ = try TLSHandler(tlsContext: TLSFixtures.clientContext(verification: .pinned([pin])), logger: TLSFixtures.logger)
    }

    @Test func anIPAddressIsVerifiedAgainstTheCertificatesIPEntries() throws {
        let matching = try self.pair(serverHostname: "127.0.0.1")
        matching.connect()
        try matching.interact()
        #expect(matching.clientRecorder.handshakeCompletedEvents == 1)

        let other = try self.pair(serverHostname: "127.0.0.2")
        other.connect()
        try other.interact()
        #expect(other.clientRecorder.tlsErrors.first?.code == .certificateVerificationFailed)
    }

    @Test func anExpiredCertificateIsRejected() throws {
        let channels = try self.pair(server: TLSFixtures.serverContext(keyPair: TLSFixtures.expired))
        channels.connect()
        try channels.interact()
        let error = try #require(channels.clientRecorder.tlsErrors.first)
        #expect(error.code == .certificateVerificationFailed)
        #expect(error.reason.contains("expired"))
    }

    @Test func anUntrustedCertificateIsRejected() throws {
        let channels = try self.pair(server: TLSFixtures.serverContext(keyPair: TLSFixtures.selfSigned))
        channels.connect()
        try channels.interact()
        let error = try #require(channels.clientRecorder.tlsErrors.first)
        #expect(error.code == .certificateVerificationFailed)
        #expect(error.reason.contains("self-signed"))
    }

    @Test func aPinnedFingerprintReplacesTheCertificateAuthority() throws {
        let pin = try TLSFixtures.selfSigned.fingerprint()
        let channels = try self.connected(
            client: TLSFixtures.clientContext(verification: .pinned([pin])),
            server: TLSFixtures.serverContext(keyPair: TLSFixtures.selfSigned)
        )
        #expect(channels.clientRecorder.handshakeInfo?.peerCertificate?.fingerprint == pin)
    }

    @Test func aPinnedFingerprintThatDoesNotMatchIsRejected() throws {
        let pin = try TLSFixtures.selfSigned.fingerprint()
        // The server's certificate is valid for the name and issued by a trusted CA, but not pinned.
        let channels = try self.pair(client: TLSFixtures.clientContext(verification: .pinned([pin])))
        channels.connect()
        try channels.interact()
        let error = try #require(channels.clientRecorder.tlsErrors.first)
        #expect(error.code == .pinnedFingerprintMismatch)
        #expect(channels.clientRecorder.handshakeCompletedEvents == 0)
    }

    @Test func aServerRequiringClientCertificatesSeesTheClients() throws {
        let channels = try self.connected(
            client: TLSFixtures.clientContext(keyPair: TLSFixtures.client),
            server: TLSFixtures.serverContext(verification: .fullVerification)
        )
        let peer = try #require(channels.serverRecorder.handshakeInfo?.peerCertificate)
        #expect(peer.subject == "CN=client.example.test")
        #expect(peer.fingerprint == (try TLSFixtures.client.fingerprint()))
    }

    @Test func aServerRequiringClientCertificatesRejectsAClientWithout() throws {
        let channels = try self.pair(server: TLSFixtures.serverContext(verification: .fullVerification))
        channels.connect()
        try channels.interact()
        #expect(channels.serverRecorder.handshakeCompletedEvents == 0)
        #expect(channels.serverRecorder.tlsErrors.first?.code == .handshakeFailed)
        #expect(!channels.server.isActive)
    }

    @Test func addedToAnActiveChannelItStartsTheHandshake() throws {
        let loop = EmbeddedEventLoop()
        let client = EmbeddedChannel(loop: loop)
        let server = EmbeddedChannel(loop: loop)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 25)
        client.connect(to: address, promise: nil)
        server.connect(to: address, promise: nil)
        // Plaintext first, as SMTP does before STARTTLS.
        try client.writeOutbound(ByteBuffer(string: "STARTTLS\r\n"))
        #expect(try client.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "STARTTLS\r\n"))

        let serverRecorder = Recorder()
        let clientRecorder = Recorder()
        try server.pipeline.syncOperations.addHandlers([
            TLSHandler(tlsContext: TLSFixtures.serverContext(), logger: TLSFixtures.logger), serverRecorder,
        ])
        try client.pipeline.syncOperations.addHandlers([
            TLSHandler(
                tlsContext: TLSFixtures.clientContext(),
                serverHostname: TLSFixtures.serverName,
                logger: TLSFixtures.logger
            ),
            clientRecorder,
        ])
        var moved = true
        while moved {
            moved = false
            if let bytes = try BackToBackChannels.take(from: client) {
                try server.writeInbound(bytes)
                moved = true
            }
            if let bytes = try BackToBackChannels.take(from: server) {
                try client.writeInbound(bytes)
                moved = true
            }
        }
        #expect(clientRecorder.handshakeCompletedEvents == 1)
        #expect(serverRecorder.handshakeCompletedEvents == 1)
    }

    @Test func removingTheHandlerFreesTheConnection() throws {
        let channels = try self.connected()
        weak let connection = channels.clientHandler.connection
        #expect(connection != nil)
        try channels.client.pipeline.syncOperations.removeHandler(channels.clientHandler).wait()
        #expect(connection == nil)
    }

    @Test func aMegabyteIsEchoedByteForByte() throws {
        let channels = try self.connected()
        channels.serverRecorder.echoes = true
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in stride(from: 0, to: payload.count, by: 16_384) {
            channels.client.writeAndFlush(ByteBuffer(bytes: payload[start..<start + 16_384]), promise: nil)
            try channels.interact()
        }
        #expect(channels.serverRecorder.received == payload)
        #expect(channels.clientRecorder.received == payload)
    }
}
