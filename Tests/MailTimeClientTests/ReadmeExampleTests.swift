import Foundation
import Logging
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

// README example begin
func sendHello(port: Int, token: String, certificateFile: String) async throws -> String {
    let client = try await MailTimeClient.connect(
        host: "127.0.0.1",
        port: port,
        tls: try .pinned(certificateFile: certificateFile),
        token: token,
        logger: Logger(label: "example")
    )
    let email = Email(
        from: try EmailAddress("App <app@example.com>"),
        to: [try EmailAddress("ann@example.com")],
        subject: "Hi",
        text: "Hello, Ann."
    )
    let result = try await client.send(email)
    try await client.close()
    return result.id
}
// README example end

/// The Swift example in README.md compiles (it is this file's `sendHello`) and works.
@Suite struct ReadmeExampleTests {
    @Test func readmeShowsThisExampleVerbatim() throws {
        let testFile = URL(fileURLWithPath: #filePath)
        let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: testFile, encoding: .utf8)
        let begin = try #require(source.range(of: "// README example begin\n"))
        let end = try #require(source.range(of: "// README example end"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        #expect(readme.contains(example), "README.md must show sendHello exactly as ReadmeExampleTests.swift has it")
    }

    @Test func theExampleSendsAnEmail() async throws {
        try await TestBroker.run { broker in
            let id = try await sendHello(port: broker.port, token: broker.adminToken, certificateFile: broker.certificatePath)
            let client = try await broker.connect()
            let status = try await client.status(id)
            #expect(status.id == id)
            try await client.close()
        }
    }
}
