import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// The admin console in a real browser: headless Chromium driven through WebDriver (Debian `chromium`,
/// `chromium-driver`, `python3-selenium`, trusting the broker's certificate by its key) against a real
/// `mailtimed` delivering to aiosmtpd, with its
/// emails submitted over SMTP. The script (`ConsoleBrowserScript`) saves a screenshot of each page in
/// `.build/test-artifacts/console/` and prints each path; this test prints them again.
@Suite(.tags(.peer, .slow), .unlessSkipped(.peer), .timeLimit(.minutes(5)))
struct ConsoleBrowserTests {
    @Test(
        "log in, see the counts change, filter failed emails by error code, requeue them in bulk, read an email's attempts, pause a provider; hostile content stays text"
    )
    func theConsoleInChromium() async throws {
        let server = try await AiosmtpdServer.start(.init(rejectedRecipients: ["bounce@example.net": "550 5.1.1 <bounce@example.net>: no such user"]))
        defer { server.stop() }
        let broker = try await BrokerProcess.start([
            "--providers", BrokerProcess.provider("main", port: server.port), "--submission-trusted-networks", "127.0.0.0/8",
        ])
        defer { broker.stop() }
        let consolePort = try await broker.consolePort()
        let submissionPort = try await broker.submissionPort()

        // An email whose subject, addresses and HTML carry scripts: sent first, so that the counts the
        // browser watches start after it.
        let client = try await broker.connect()
        let hostile = try await client.send(
            Email(
                from: try EmailAddress(address: "evil@example.com", displayName: "<script>window.__mailtimeXSS=3</script>"),
                to: [try EmailAddress("ok@example.net")],
                subject: #"<script>window.__mailtimeXSS=1</script><img src=x onerror="window.__mailtimeXSS=2">"#,
                text: "Hostile text.",
                html: #"<p>Hostile HTML</p><script>document.body.setAttribute("data-xss","4")</script>"#
                    + #"<img src=x onerror="document.body.setAttribute('data-xss','5')">"#
            )
        ).id
        try await waitUntil("the hostile email to be sent", timeout: .seconds(30)) { try await client.status(hostile).state == .sent }

        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-browser")
        defer { try? FileManager.default.removeItem(at: directory) }
        let screenshots = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(".build/test-artifacts/console", isDirectory: true)
        let configuration: [String: Any] = [
            "consoleURL": "https://127.0.0.1:\(consolePort)",
            "adminToken": try broker.adminToken,
            "submissionPort": submissionPort,
            "rejectionsFile": server.rejectionsFile.path,
            "hostileEmailID": hostile,
            "screenshots": screenshots.path,
            "chromedriver": "/usr/bin/chromedriver",
            "certificate": broker.dataDirectory.appendingPathComponent("tls/certificate.pem").path,
        ]
        let configurationFile = directory.appendingPathComponent("configuration.json")
        try JSONSerialization.data(withJSONObject: configuration).write(to: configurationFile)
        let scriptFile = directory.appendingPathComponent("console_browser.py")
        try Data(ConsoleBrowserScript.source.utf8).write(to: scriptFile)

        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let browser = try ChildProcess.launch(python, arguments: [scriptFile.path, configurationFile.path], mergeStandardError: true)
        defer { browser.terminate() }
        _ = try await browser.waitForOutputLine(timeout: .seconds(240)) { $0 == "DONE" || $0.hasPrefix("FAILED") }
        _ = try await ChildProcess.poll(timeout: .seconds(30)) { !browser.isRunning }
        let output = browser.standardOutput()
        for line in output.split(separator: "\n") where line.hasPrefix("SCREENSHOT ") || line.hasPrefix("FAILED") {
            print("console browser test: \(line)")
        }
        #expect(browser.exitStatus == 0, "the browser script failed: \(output)\n\(server.log())")
        #expect(output.contains("\nDONE\n"), "\(output)")
    }
}
