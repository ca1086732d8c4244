import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// A client that pipelines requests and never reads its replies cannot grow the real `mailtimed`'s
/// memory (protocol.md, section 3): the broker stops reading it once its replies go unwritten.
/// Timing figures are in `Benchmarks/pipelining-memory.sh`; this checks the bound only.
@Suite(.timeLimit(.minutes(2)), .tags(.slow))
struct PipeliningMemoryTests {
    /// Connects over TLS, authenticates, writes `count` times `LIST ready - 300` and never reads again.
    static let attacker = #"""
        import socket, ssl, sys, time
        port, token, certificate, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
        tls = ssl.create_default_context(cafile=certificate)
        sock = tls.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        lines = sock.makefile("rb")
        lines.readline()
        sock.sendall(b"AUTH %s\r\n" % token.encode())
        assert lines.readline().startswith(b"OK"), "AUTH failed"
        sock.sendall(b"LIST ready - 300\r\n" * count)
        print("written", flush=True)
        time.sleep(3600)
        """#

    @Test func aClientThatNeverReadsItsRepliesDoesNotGrowTheBrokersMemory() async throws {
        let broker = try await BrokerProcess.start(["--senders", "0", "--limits-inflight", "4"])
        defer { broker.stop() }
        let client = try await broker.connect()
        let run = UUID().uuidString.prefix(8).lowercased()
        _ = try await client.sendAll((0..<300).map { try Email.numbered($0, run: run) })
        let pid = try Self.processIdentifier(of: broker)
        let before = try Self.residentAnonymousKilobytes(of: pid)

        // 1,000 pipelined `LIST ready - 300`: about 100 KB of replies each, 100 MB in all.
        let attacker = try ChildProcess.launch(
            "python3",
            arguments: [
                "-c", Self.attacker, String(try broker.port), try broker.adminToken,
                broker.dataDirectory.appendingPathComponent("tls/certificate.pem").path,
                "1000",
            ]
        )
        defer { attacker.terminate() }
        _ = try await attacker.waitForOutputLine(timeout: .seconds(20)) { $0 == "written" }
        var peak = before
        for _ in 0..<30 {
            try await Task.sleep(for: .milliseconds(100))
            peak = max(peak, try Self.residentAnonymousKilobytes(of: pid))
        }
        #expect(peak - before < 16 * 1024, "RssAnon grew from \(before) kB to \(peak) kB")
        // Another client is still served.
        #expect(try await client.stats().counts[.ready] == 300)
        try await client.close()
    }

    /// The pid of the `mailtimed` that serves `broker`'s data directory.
    static func processIdentifier(of broker: BrokerProcess) throws -> Int32 {
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry),
                let commandLine = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.first?.hasSuffix("mailtimed") == true, arguments.contains(broker.dataDirectory.path) {
                return pid
            }
        }
        throw ChildProcess.Failure("no mailtimed process serves \(broker.dataDirectory.path)")
    }

    /// `RssAnon` of process `pid`, in kB.
    static func residentAnonymousKilobytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else {
            throw ChildProcess.Failure("no RssAnon in /proc/\(pid)/status")
        }
        return kilobytes
    }
}

extension Tag {
    /// Tests that take seconds: a real broker under load.
    @Tag static var slow: Self
}
