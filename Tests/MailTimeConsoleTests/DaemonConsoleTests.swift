import Foundation
import MailTimeTLS
import MailTimeTestSupport
import Testing

/// `mailtimed` serves the console by default (README, "Admin console"): the log line names its port,
/// and it answers over HTTPS with the broker's own certificate.
@Suite(.timeLimit(.minutes(2)))
struct DaemonConsoleTests {
    @Test("mailtimed serves the console with its certificate and admin token")
    func daemonServesTheConsole() async throws {
        let broker = try await BrokerProcess.start(["--senders", "0"])
        defer { broker.stop() }
        let port = try await broker.consolePort()
        let pem = try String(contentsOf: broker.dataDirectory.appendingPathComponent("tls/certificate.pem"), encoding: .utf8)
        let certificate = TLSKeyPair(certificatePEM: pem, privateKeyPEM: "")
        let stats = try await ConsoleServerTests.request(
            "GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(try broker.adminToken)\r\nConnection: close\r\n\r\n",
            port: port, pair: certificate)
        #expect(stats.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(stats)")
        #expect(stats.contains(#"{"scheduled":0,"ready":0,"leased":0,"sent":0,"failed":0,"cancelled":0,"#))
        let page = try await ConsoleServerTests.request(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n", port: port, pair: certificate)
        #expect(page.hasPrefix("HTTP/1.1 303 See Other\r\n"), "\(page)")
        #expect(page.lowercased().contains("\r\nlocation: /login\r\n"))
    }
}
