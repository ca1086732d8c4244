import Foundation
import MailTimeTestSupport
import Testing

/// The broker against `openssl s_client`, typed into as protocol.md's transcript shows.
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(2)))
struct OpenSSLSessionTests {
    let email = #"{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"Hello, Ann."}"#

    @Test func transcriptFromProtocolMd() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            #expect(await client.line() == "OK mailtime 1 max_line=16384 max_payload=26214400 max_inflight=256")
            client.type("PING")
            #expect(await client.line() == "OK PONG")
            client.type("STATS")
            #expect(await client.line() == "ERR AUTH_REQUIRED authenticate first: AUTH <token>")
            client.type("AUTH \(broker.adminToken)")
            #expect(await client.line() == "OK admin")
            client.type("HELP")
            let help = try #require(await client.line())
            #expect(help == "OK 25")
            var usages: [String] = []
            for _ in 0..<25 { usages.append(await client.line() ?? "") }
            #expect(usages.first == "HELP PING: replies OK PONG (anyone)")
            #expect(usages.last == "HELP TOUCH <id> <token> <seconds>: extends a lease by 1-3600 seconds from now (worker)")
            client.type("SEND \(email)")
            let sent = try #require(await client.line())
            let id = String(try #require(sent.split(separator: " ").last))
            #expect(sent.hasPrefix("OK ") && id.count == 36)
            client.type(#"SEND {"to":"bob@","text":"x"}"#)
            #expect(await client.line()?.hasPrefix(#"ERR INVALID_ADDRESS to: "bob@" is not a valid address"#) == true)
            client.sendEmail(email)
            let counted = try #require(await client.line())
            #expect(counted.hasPrefix("OK ") && counted.count == 39 && counted != sent)
            client.type("STATUS \(id)")
            let status = try #require(await client.line())
            #expect(status.hasPrefix("OK {"))
            let object = try JSONSerialization.jsonObject(with: Data(status.dropFirst(3).utf8)) as? [String: Any]
            #expect(object?["id"] as? String == id)
            #expect(object?["state"] as? String == "ready")
            client.type("QUIT")
            #expect(await client.line() == "OK BYE")
            #expect(await client.closes(within: .seconds(5)))
        }
    }

    @Test func strictLinesGetTheirDocumentedRepliesAndTheConnectionGoesOn() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("FROB")
            #expect(await client.line()?.hasPrefix("ERR AUTH_REQUIRED ") == true)
            client.type("help")
            #expect(await client.line() == "OK 25")
            for _ in 0..<25 { _ = await client.line() }
            client.type("AUTH \(broker.adminToken)")
            #expect(await client.line() == "OK admin")
            for (line, code) in [
                ("", "UNKNOWN_COMMAND"), ("FROB", "UNKNOWN_COMMAND"), ("LIST  ready", "BAD_ARGUMENTS"), ("LIST\tready", "BAD_ARGUMENTS"),
                ("LIST READY", "BAD_ARGUMENTS"), ("LIST ready - +10", "BAD_ARGUMENTS"), ("LIST ready - 010", "BAD_ARGUMENTS"),
                ("REQUEUE failed", "BAD_ARGUMENTS"), ("STATUS 0193A3C4-2F1E-7CC0-8A9E-6F1D2C3B4A59", "BAD_ARGUMENTS"),
                ("STATUS 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59", "NOT_FOUND"),
            ] {
                client.type(line)
                let reply = await client.line()
                #expect(reply?.hasPrefix("ERR \(code) ") == true, "\(line): \(reply ?? "closed")")
            }
            client.type("list ready - 10")
            #expect(await client.line() == "OK 0")
            // A SEND whose payload's end cannot be found closes the connection.
            client.type("SEND +10")
            #expect(await client.line()?.hasPrefix("ERR BAD_ARGUMENTS ") == true)
            #expect(await client.closes(within: .seconds(5)))
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            // Everything in one write, before any reply.
            var batch = "AUTH \(broker.adminToken)\n"
            for index in 0..<50 {
                let json = #"{"from":"app@example.com","to":"u\#(index)@example.com","text":"\#(index)","idempotency_key":"k\#(index % 25)"}"#
                batch += "SEND \(json.utf8.count)\n\(json)\nPING\n"
            }
            batch += "STATS\n"
            client.send(Array(batch.utf8))
            #expect(await client.line() == "OK admin")
            var ids: [String] = []
            var duplicates = 0
            for _ in 0..<50 {
                let reply = try #require(await client.line())
                let words = reply.split(separator: " ")
                #expect(words.first == "OK" && words.count >= 2, "\(reply)")
                ids.append(String(words[1]))
                if words.count == 3, words[2] == "DUPLICATE" { duplicates += 1 }
                #expect(await client.line() == "OK PONG")
            }
            #expect(Set(ids).count == 25)
            #expect(duplicates == 25)
            let stats = try #require(await client.line())
            #expect(stats.contains(#""ready":25"#))
        }
    }

    @Test(arguments: [
        (#"{"to":"ann@example.com","text":"x"}"#, "NO_SENDER"),
        (#"{"from":"a@example.com","text":"x"}"#, "NO_RECIPIENT"),
        (#"{"from":"a@example.com","to":"b@example.com"}"#, "NO_BODY"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","colour":"red"}"#, "UNKNOWN_FIELD"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","subject":"a\r\nBcc: evil@example.com"}"#, "HEADER_INJECTION"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","headers":{"X-A":"1\nBcc: e@x.y"}}"#, "HEADER_INJECTION"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","headers":{"Bcc":"e@x.y"}}"#, "RESERVED_HEADER"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":"tomorrow"}"#, "INVALID_SEND_AT"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":"2999-01-01T00:00:00Z"}"#, "INVALID_SEND_AT"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","priority":300}"#, "INVALID_FIELD"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x","attachments":[{"filename":"a","content":"@@@"}]}"#, "INVALID_ATTACHMENT"),
        (#"{"from":"a@example.com","to":"b@example.com","text":"x""#, "INVALID_JSON"),
        (#"[1,2]"#, "INVALID_FIELD"),
    ])
    func invalidEmailsGetTheirCodeAndNothingIsStored(json: String, code: String) async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("AUTH \(broker.adminToken)")
            _ = await client.line()
            client.sendEmail(json)
            let reply = try #require(await client.line())
            #expect(reply.hasPrefix("ERR \(code) "), "\(reply)")
            #expect(reply.count > "ERR \(code) ".count + 5, "the error needs a sentence: \(reply)")
            client.type("STATS")
            let stats = try #require(await client.line())
            for state in ["scheduled", "ready", "leased", "sent", "failed", "cancelled"] {
                #expect(stats.contains(#""\#(state)":0"#), "\(stats)")
            }
        }
    }

    @Test func pastSendTimeMeansNowAndFutureIsScheduled() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("AUTH \(broker.adminToken)")
            _ = await client.line()
            client.sendEmail(#"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":"2001-01-01T00:00:00Z"}"#)
            let past = try #require(await client.line()).split(separator: " ")[1]
            client.sendEmail(
                #"{"from":"a@example.com","to":"b@example.com","text":"x","send_at":\#(Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)}"#)
            let future = try #require(await client.line()).split(separator: " ")[1]
            client.type("STATUS \(past)")
            #expect(await client.line()?.contains(#""state":"ready""#) == true)
            client.type("STATUS \(future)")
            #expect(await client.line()?.contains(#""state":"scheduled""#) == true)
        }
    }

    @Test func tooLargeEmailIsRefusedAndTheConnectionGoesOn() async throws {
        try await TestBroker.run({ $0.maximumEmailSize = 1000 }) { broker in
            let client = try OpenSSLClient(port: broker.port)
            #expect(await client.line()?.contains("max_payload=1000") == true)
            client.type("AUTH \(broker.adminToken)")
            _ = await client.line()
            client.type("SEND 2000")
            client.type(String(repeating: "x", count: 2000))
            #expect(await client.line()?.hasPrefix("ERR EMAIL_TOO_LARGE ") == true)
            client.type("PING")
            #expect(await client.line() == "OK PONG")
        }
    }

    @Test func tooLongLineClosesTheConnection() async throws {
        try await TestBroker.run({ $0.maximumLineLength = 256 }) { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type(String(repeating: "A", count: 300))
            #expect(await client.line()?.hasPrefix("ERR LINE_TOO_LONG ") == true)
            #expect(await client.closes(within: .seconds(20)))
        }
    }

    @Test func threeBadTokensCloseTheConnectionAfterADelay() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            for _ in 0..<2 {
                client.type("AUTH not-the-token")
                #expect(await client.line() == "ERR AUTH_FAILED the token is not valid")
            }
            let started = ContinuousClock.now
            client.type("AUTH still-not-the-token")
            #expect(await client.line() == "ERR AUTH_FAILED the token is not valid")
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(await client.closes(within: .seconds(5)))
        }
    }

    @Test func rolesLimitCommands() async throws {
        let producer = "producer-token-0123456789"
        let worker = "worker-token-0123456789ab"
        let viewer = "viewer-token-0123456789ab"
        try await TestBroker.run({ $0.tokens = [.producer: [producer], .worker: ["sha256:" + sha256Hex(worker)], .viewer: [viewer]] }) { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("AUTH \(producer)")
            #expect(await client.line() == "OK producer")
            client.sendEmail(email)
            #expect(await client.line()?.hasPrefix("OK ") == true)
            client.type("STATS")
            #expect(await client.line() == "ERR FORBIDDEN the producer role may not use STATS")
            client.type("LEASE 1 60")
            #expect(await client.line()?.hasPrefix("ERR FORBIDDEN") == true)
            client.type("AUTH \(worker)")
            #expect(await client.line() == "OK worker")
            client.type("LEASE 5 60")
            #expect(await client.line() == "OK 1")
            // `JOB <bytes> <json>`, then the stored email as that many bytes (one line here), then CRLF.
            let job = try #require(await client.line())
            let email = try #require(await client.line())
            #expect(job.hasPrefix(#"JOB \#(email.utf8.count) {"id":""#))
            #expect(email.contains(#""message_id":"<"#))
            // A viewer reads, and changes nothing.
            client.type("AUTH \(viewer)")
            #expect(await client.line() == "OK viewer")
            client.type("STATS")
            #expect(await client.line()?.hasPrefix(#"OK {"scheduled":0,"ready":0,"leased":1,"#) == true)
            client.type("PAUSE")
            #expect(await client.line() == "ERR FORBIDDEN the viewer role may not use PAUSE")
            client.sendEmail(self.email)
            #expect(await client.line() == "ERR FORBIDDEN the viewer role may not use SEND")
        }
    }

    @Test func workerCommandsWithFencingTokens() async throws {
        try await TestBroker.run { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("AUTH \(broker.adminToken)")
            _ = await client.line()
            client.sendEmail(email)
            client.sendEmail(email.replacingOccurrences(of: "Hi", with: "Two"))
            _ = await client.line()
            _ = await client.line()
            client.type("LEASE 2 60")
            #expect(await client.line() == "OK 2")
            var leased: [(id: String, token: String)] = []
            for _ in 0..<2 {
                let words = try #require(await client.line()).split(separator: " ", maxSplits: 2)
                _ = await client.line()
                let object = try #require(try JSONSerialization.jsonObject(with: Data(words[2].utf8)) as? [String: Any])
                leased.append((object["id"] as! String, "\(object["token"] as! Int)"))
            }
            client.type("TOUCH \(leased[0].id) \(leased[0].token) 120")
            #expect(await client.line()?.range(of: #"^OK \d+$"#, options: .regularExpression) != nil)
            client.type(
                #"COMPLETE \#(leased[0].id) \#(leased[0].token) [{"address":"ann@example.com","accepted":true,"code":250,"reply":"2.0.0 ok"}]"#)
            #expect(await client.line() == "OK SENT")
            client.type("COMPLETE \(leased[0].id) \(leased[0].token)")
            #expect(await client.line()?.hasPrefix("ERR INVALID_STATE") == true)
            client.type(
                #"RETRY \#(leased[1].id) \#(leased[1].token) {"error":{"code":"SMTP_TEMPORARY","text":"451 later","provider":"p1"},"delay_ms":0}"#)
            #expect(await client.line() == "OK READY")
            client.type(#"FAIL \#(leased[1].id) \#(leased[1].token) {"error":{"code":"X","text":"y"}}"#)
            #expect(await client.line()?.hasPrefix("ERR STALE_TOKEN") == true)
            client.type("STATUS \(leased[1].id)")
            let status = try #require(await client.line())
            #expect(status.contains(#""state":"ready""#) && status.contains(#""code":"SMTP_TEMPORARY""#))
            client.type(#"RETRY \#(leased[1].id) 1 {"nope":1}"#)
            #expect(await client.line()?.hasPrefix("ERR INVALID_FIELD") == true)
            client.type("CANCEL \(leased[0].id)")
            #expect(await client.line()?.hasPrefix("ERR INVALID_STATE") == true)
            client.type("CANCEL \(leased[1].id)")
            #expect(await client.line() == "OK CANCELLED")
            client.type("LIST cancelled")
            #expect(await client.line() == "OK 1")
            #expect(await client.line()?.contains(leased[1].id) == true)
            client.type("REQUEUE \(leased[1].id)")
            #expect(await client.line() == "OK 1")
            client.type("STATUS 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59")
            #expect(await client.line()?.hasPrefix("ERR NOT_FOUND") == true)
            client.type("STATUS nonsense")
            #expect(await client.line()?.hasPrefix("ERR BAD_ARGUMENTS") == true)
        }
    }

    @Test func eventsStreamTheOutcomes() async throws {
        try await TestBroker.run({ $0.senders = 1 }) { broker in
            let watcher = try OpenSSLClient(port: broker.port)
            _ = await watcher.line()
            watcher.type("AUTH \(broker.adminToken)")
            _ = await watcher.line()
            watcher.type("EVENTS")
            #expect(await watcher.line() == "OK EVENTS")
            watcher.type("STATS")
            #expect(await watcher.line()?.hasPrefix("ERR EVENTS_ONLY") == true)

            let producer = try OpenSSLClient(port: broker.port)
            _ = await producer.line()
            producer.type("AUTH \(broker.adminToken)")
            _ = await producer.line()
            producer.sendEmail(email)
            let id = String(try #require(await producer.line()).split(separator: " ")[1])
            let event = try #require(await watcher.line())
            #expect(event.hasPrefix(#"EVENT {"#) && event.contains(#""event":"sent""#) && event.contains(id), "\(event)")
            let eml = try String(contentsOfFile: broker.dataDirectory + "/outbox/\(id).eml", encoding: .utf8)
            #expect(eml.contains("Subject: Hi\r\n"))
            #expect(eml.contains("To: ann@example.com\r\n"))
        }
    }

    @Test func pauseStopsTheEmbeddedSenders() async throws {
        try await TestBroker.run({ $0.senders = 1 }) { broker in
            let client = try OpenSSLClient(port: broker.port)
            _ = await client.line()
            client.type("AUTH \(broker.adminToken)")
            _ = await client.line()
            client.type("PAUSE")
            #expect(await client.line() == "OK PAUSED")
            client.sendEmail(email)
            let id = String(try #require(await client.line()).split(separator: " ")[1])
            try await Task.sleep(for: .milliseconds(500))
            client.type("STATUS \(id)")
            #expect(await client.line()?.contains(#""state":"ready""#) == true)
            client.type("RESUME")
            #expect(await client.line() == "OK RESUMED")
            var state = ""
            for _ in 0..<50 where state != "sent" {
                try await Task.sleep(for: .milliseconds(100))
                client.type("STATUS \(id)")
                state = (await client.line()?.contains(#""state":"sent""#) == true) ? "sent" : ""
            }
            #expect(state == "sent")
        }
    }
}

func sha256Hex(_ text: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = ["dgst", "-sha256", "-r"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    let result = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return String(result.prefix(64))
}
