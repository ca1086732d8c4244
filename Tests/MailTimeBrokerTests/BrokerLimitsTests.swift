import Foundation
import Glibc
import MailTimeTestSupport
import Testing

/// Connection limits, idle and handshake timeouts, client certificates, and shutdown.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct BrokerLimitsTests {
    @Test func connectionsPastTheLimitAreTurnedAway() async throws {
        try await TestBroker.run({ $0.maximumConnections = 1 }) { broker in
            let first = try OpenSSLClient(port: broker.port)
            #expect(await first.line()?.hasPrefix("OK mailtime") == true)
            let second = try OpenSSLClient(port: broker.port)
            #expect(await second.line()?.hasPrefix("ERR TOO_MANY_CONNECTIONS ") == true)
            #expect(await second.closes(within: .seconds(5)))
            first.type("PING")
            #expect(await first.line() == "OK PONG")
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        try await TestBroker.run({ $0.idleTimeout = .seconds(1) }) { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            // A 1 s timeout; the margin is for a busy machine.
            #expect(await client.closes(within: .seconds(10)))
        }
    }

    @Test func aClientThatNeverFinishesTheHandshakeIsDropped() async throws {
        try await TestBroker.run({ $0.handshakeTimeout = .seconds(1) }) { broker in
            // A plain TCP connection that sends half a ClientHello and then nothing (slowloris).
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { Glibc.close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(broker.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            let partial: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]
            _ = partial.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let started = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 64)
            // The broker closes the connection: recv returns 0 (or an error for a reset).
            let received = recv(socket, &buffer, buffer.count, 0)
            #expect(received <= 0 || buffer[0] == 0x15, "expected the connection to close, got \(received) bytes")
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test func plaintextIsRefused() async throws {
        try await TestBroker.run { broker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "printf 'PING\\r\\n' | timeout 5 nc -q 2 127.0.0.1 \(broker.port) | head -c 200 | od -c | head -3"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            await process.exited()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(!text.contains("O   K"), "a plaintext client got a protocol reply: \(text)")
        }
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func bothTLSVersionsWork(version: String) async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port, extraArguments: [version])
            #expect(await client.line()?.hasPrefix("OK mailtime") == true)
            client.type("PING")
            #expect(await client.line() == "OK PONG")
        }
    }
}
