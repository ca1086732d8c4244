import Foundation
import Glibc
import MailTimeTestSupport
import Testing

/// Bad clients against the running broker: random bytes, connections dropped mid-handshake or
/// mid-payload, a thousand connections opened and dropped. A well-behaved client keeps getting
/// answers all along, and nothing from the bad ones is stored.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct HostileClientsTests {
    let email = #"{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"Hello"}"#

    @Test func aWellBehavedClientIsServedWhileBadOnesComeAndGo() async throws {
        try await TestBroker.run({
            $0.maximumEmailSize = 4096
            $0.handshakeTimeout = .seconds(2)
        }) { broker in
            let good = try OpenSSLClient(port: broker.port)
            #expect(await good.line()?.hasPrefix("OK mailtime") == true)
            good.type("AUTH \(broker.adminToken)")
            #expect(await good.line() == "OK admin")

            let chaos = Task.detached {
                var generator = SystemRandomNumberGenerator()
                // A thousand TCP connections opened and dropped; some send random bytes first,
                // some stop halfway through a TLS ClientHello.
                for index in 0..<1000 {
                    let socket = Self.connect(port: broker.port)
                    guard socket >= 0 else { continue }
                    switch index % 3 {
                    case 0:
                        let noise = (0..<Int.random(in: 1...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                        _ = noise.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    case 1:
                        let partialHello: [UInt8] = [0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00]
                        _ = partialHello.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    default:
                        break
                    }
                    close(socket)
                }
            }

            // Authenticated clients that misbehave inside TLS.
            var bad: [OpenSSLClient] = []
            for index in 0..<6 {
                let client = try OpenSSLClient(port: broker.port)
                _ = await client.line()
                client.type("AUTH \(broker.adminToken)")
                _ = await client.line()
                switch index % 3 {
                case 0:
                    // Dropped in the middle of a payload.
                    client.type("SEND 500")
                    client.send(Array(email.utf8.prefix(60)))
                    client.kill()
                case 1:
                    // Random printable noise, then a line far too long.
                    var generator = SystemRandomNumberGenerator()
                    let noise = (0..<300).map { _ in UInt8.random(in: 32...126, using: &generator) }
                    client.send(noise + [10])
                    client.send([UInt8](repeating: UInt8(ascii: "Z"), count: 20_000) + [10])
                default:
                    // A payload that is not JSON, and one over the size limit.
                    client.type("SEND 5")
                    client.type("{{{{{")
                    client.type("SEND 9000")
                    client.type(String(repeating: "x", count: 9000))
                }
                bad.append(client)
            }

            var sent = 0
            for round in 0..<30 {
                good.type("PING")
                #expect(await good.line(timeout: .seconds(5)) == "OK PONG", "round \(round)")
                good.sendEmail(email)
                let reply = await good.line(timeout: .seconds(5))
                #expect(reply?.hasPrefix("OK ") == true, "round \(round): \(String(describing: reply))")
                if reply?.hasPrefix("OK ") == true { sent += 1 }
            }
            await chaos.value
            for client in bad { client.kill() }

            good.type("STATS")
            let stats = try #require(await good.line())
            // Exactly the well-behaved client's emails were stored.
            #expect(stats.contains(#""ready":\#(sent)"#), "\(stats)")
            #expect(sent == 30)
        }
    }

    private static func connect(port: Int) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            close(socket)
            return -1
        }
        return socket
    }
}
