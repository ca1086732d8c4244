import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

/// The SMTP submission listeners of the real `mailtimed`, driven by real clients (swaks, Python's
/// smtplib, a private Postfix relaying to the listener, scripted sessions for BDAT and the refusals),
/// delivering through an aiosmtpd provider: what reaches the provider is the submitted message byte
/// for byte, apart from the documented changes (a `Received` field on top; `Bcc` and the
/// `X-MailTime-*` fields removed; `Message-ID` and `Date` added only when missing).
@Suite(.tags(.peer), .unlessSkipped(.peer), .timeLimit(.minutes(3)))
struct SubmissionTests {
    static let token = "producer-token-0123456789"
    /// A producer token that may only send from example.com.
    static let limitedToken = "limited-token-0123456789"

    private func startBroker(provider: AiosmtpdServer, _ flags: [String] = []) async throws -> BrokerProcess {
        try await BrokerProcess.start(
            [
                "--providers", BrokerProcess.provider("relay", port: provider.port),
                "--tokens-producer", Self.token,
                "--tokens-producer", Self.limitedToken + ";example.com",
                "--submission-hostname", "mx.mailtime.test",
            ] + flags
        )
    }

    @Test func swaksSubmitsWithStartTLSAndAuthPlain() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider)
        defer { broker.stop() }
        let port = try await broker.submissionPort()

        let submitted = Self.crlf(
            """
            From: App <app@example.com>
            To: Ann <ann@example.net>
            Bcc: hidden@example.org
            Subject: Submitted with swaks
            Message-ID: <swaks-plain@example.com>
            Date: Mon, 07 Dec 2026 20:00:00 +0000
            X-MailTime-Priority: 3
            X-MailTime-Tags: welcome, swaks
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Hello, Ann.
            .A line that starts with a dot.
            """
        )
        let result = try Self.swaks(
            port: port, data: submitted, recipients: ["ann@example.net", "hidden@example.org"],
            arguments: ["-tls", "--auth", "PLAIN", "--auth-user", "app", "--auth-password", Self.token]
        )
        #expect(result.succeeded, "\(result)")
        let id = try #require(Self.queuedID(in: result.transcript), "\(result)")

        let received = try await provider.waitForMessages(count: 1, timeout: .seconds(20))[0]
        #expect(received.mailFrom == "app@example.com")
        #expect(received.recipients == ["ann@example.net", "hidden@example.org"], "Bcc recipients stay in the envelope")
        let (trace, rest) = Self.splitFirstReceived(received.data)
        #expect(trace.contains("by mx.mailtime.test"), "\(trace)")
        #expect(trace.contains("ESMTPSA"), "STARTTLS and AUTH show in the with clause: \(trace)")
        // swaks ends the data it is given with one more CRLF before the final dot.
        let expected = Self.removingFields(["Bcc", "X-MailTime-Priority", "X-MailTime-Tags"], from: submitted) + Array("\r\n".utf8)
        #expect(rest == expected, "delivered:\n\(String(decoding: rest, as: UTF8.self))")

        let client = try await broker.connect()
        defer { Task { try? await client.close() } }
        try await waitUntil("the email to be sent", timeout: .seconds(10)) {
            try await client.status(id).state == .sent
        }
        #expect(try await client.status(id).priority == 3, "X-MailTime-Priority set the job's priority")
    }

    @Test func swaksSubmitsOverImplicitTLSWithAuthLogin() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider)
        defer { broker.stop() }
        let port = try await broker.submissionPort(implicitTLS: true)

        let result = try Swaks.send(
            to: port, from: "app@example.com", recipients: ["ann@example.net"],
            authentication: ("app", Self.token, "LOGIN"), extraArguments: ["--tls-on-connect"]
        )
        #expect(result.succeeded, "\(result)")
        #expect(Self.queuedID(in: result.transcript) != nil, "\(result)")
        let received = try await provider.waitForMessages(count: 1, timeout: .seconds(20))[0]
        #expect(received.recipients == ["ann@example.net"])
        let (trace, rest) = Self.splitFirstReceived(received.data)
        #expect(trace.contains("ESMTPSA"), "\(trace)")
        #expect(String(decoding: rest, as: UTF8.self).contains("X-Mailer: swaks"), "swaks's own header is kept")
    }

    @Test func pythonSendMessageWithAnAttachmentAndUTF8Headers() async throws {
        let provider = try await AiosmtpdServer.start(AiosmtpdServer.Options(smtpUTF8: true))
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider)
        defer { broker.stop() }
        let port = try await broker.submissionPort()

        let script = """
            import email.generator, io, smtplib, ssl, sys
            from email.message import EmailMessage
            port, token = int(sys.argv[1]), sys.argv[2]
            msg = EmailMessage()
            msg["From"] = "Jürgen Müller <app@example.com>"
            msg["To"] = "Ann <ann@example.net>, δοκιμή@example.net"
            msg["Subject"] = "Grüße aus Köln, mit Anhang"
            msg["Message-ID"] = "<smtplib-utf8@example.com>"
            msg["Date"] = "Mon, 07 Dec 2026 20:00:00 +0000"
            msg.set_content("Hallo Ann,\\nschöne Grüße.\\n.\\nEnde.\\n")
            msg.add_attachment(bytes(range(256)) * 16, maintype="application", subtype="octet-stream", filename="daten.bin")
            msg.set_boundary("mailtime-test-boundary")
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", port, timeout=20) as session:
                session.starttls(context=context)
                session.login("app", token)
                session.send_message(msg)
            flattened = io.BytesIO()
            email.generator.BytesGenerator(flattened, policy=msg.policy.clone(utf8=True)).flatten(msg, linesep="\\r\\n")
            sys.stdout.buffer.write(flattened.getvalue())
            """
        let submitted = try await Self.python(script, arguments: ["\(port)", Self.token])
        let received = try await provider.waitForMessages(count: 1, timeout: .seconds(20))[0]
        #expect(received.recipients == ["ann@example.net", "δοκιμή@example.net"])
        #expect(received.mailOptions.contains("SMTPUTF8"), "\(received.mailOptions)")
        let (_, rest) = Self.splitFirstReceived(received.data)
        #expect(rest == submitted, "delivered:\n\(String(decoding: rest, as: UTF8.self))")
    }

    @Test func aPostfixRelayHandsMailOverFromATrustedNetwork() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider, ["--submission-trusted-networks", "127.0.0.0/8"])
        defer { broker.stop() }
        let relay = try await PostfixRelay.start(relayingTo: try await broker.submissionPort())
        defer { relay.stop() }

        let submitted = Self.crlf(
            """
            From: App <app@example.com>
            To: Ann <ann@example.net>
            Subject: Through a local Postfix
            Message-ID: <postfix-relay@example.com>
            Date: Mon, 07 Dec 2026 20:00:00 +0000
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Relayed by Postfix, queued by MailTime.
            """
        )
        let result = try Self.swaks(port: relay.port, data: submitted, recipients: ["ann@example.net"], arguments: [])
        #expect(result.succeeded, "\(result)")
        let received = try await provider.waitForMessages(count: 1, timeout: .seconds(60))
        #expect(received.count == 1, "\(relay.log())")
        let (ours, afterOurs) = Self.splitFirstReceived(received[0].data)
        #expect(ours.contains("by mx.mailtime.test") && !ours.contains("ESMTPA"), "no AUTH from a trusted network: \(ours)")
        let (postfix, rest) = Self.splitFirstReceived(afterOurs)
        #expect(postfix.contains("relay.localdomain"), "Postfix's own trace field: \(postfix)")
        // swaks ends the data it is given with one more CRLF before the final dot.
        #expect(rest == submitted + Array("\r\n".utf8), "delivered:\n\(String(decoding: rest, as: UTF8.self))")
    }

    @Test func bdatChunksPipelinedOverImplicitTLS() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider)
        defer { broker.stop() }
        let port = try await broker.submissionPort(implicitTLS: true)

        let first = Self.crlf("From: app@example.com\nTo: ann@example.net\nSubject: In chunks\nMessage-ID: <bdat@example.com>\n")
        let second = Self.crlf("Date: Mon, 07 Dec 2026 20:00:00 +0000\n\n.No dot-stuffing in BDAT.\nBye.\n")
        let replies = try await Self.dialogue(
            port: port, implicitTLS: true,
            [
                .read, .send("EHLO client.test\r\n"), .read,
                .send("AUTH PLAIN \(Self.plain("app", Self.token))\r\n"), .read,
                .send(
                    "MAIL FROM:<app@example.com>\r\nRCPT TO:<ann@example.net>\r\nBDAT \(first.count)\r\n"
                        + String(decoding: first, as: UTF8.self) + "BDAT \(second.count) LAST\r\n" + String(decoding: second, as: UTF8.self)
                ),
                .read, .read, .read, .read,
            ]
        )
        #expect(replies.count == 7, "\(replies)")
        #expect(replies.dropFirst(1).first?.hasPrefix("250") == true, "EHLO: \(replies)")
        #expect(replies.count > 1 && replies[1].contains("CHUNKING"), "\(replies)")
        #expect(replies.count > 2 && replies[2].hasPrefix("235 2.7.0"), "\(replies)")
        #expect(replies.last.map { $0.hasPrefix("250 2.0.0 ") && $0.hasSuffix(" queued") } == true, "\(replies)")
        let received = try await provider.waitForMessages(count: 1, timeout: .seconds(20))[0]
        #expect(Self.splitFirstReceived(received.data).rest == first + second)
    }

    @Test func refusalsOverTheWire() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        let broker = try await startBroker(provider: provider)
        defer { broker.stop() }
        let submission = try await broker.submissionPort()
        let implicit = try await broker.submissionPort(implicitTLS: true)

        let beforeTLS = try await Self.dialogue(
            port: submission, implicitTLS: false,
            [.read, .send("EHLO client.test\r\n"), .read, .send("AUTH PLAIN \(Self.plain("app", Self.token))\r\n"), .read]
        )
        #expect(beforeTLS.last?.hasPrefix("530 5.7.0") == true, "AUTH before STARTTLS: \(beforeTLS)")
        #expect(beforeTLS.count > 1 && !beforeTLS[1].contains("AUTH"), "AUTH is offered only inside TLS: \(beforeTLS)")

        let withoutAuth = try await Self.dialogue(
            port: submission, implicitTLS: false, [.read, .send("EHLO client.test\r\n"), .read, .send("MAIL FROM:<app@example.com>\r\n"), .read]
        )
        #expect(withoutAuth.last?.hasPrefix("530 5.7.0") == true, "MAIL without AUTH: \(withoutAuth)")

        let wrongToken = try await Self.dialogue(
            port: implicit, implicitTLS: true,
            [.read, .send("EHLO client.test\r\n"), .read, .send("AUTH PLAIN \(Self.plain("app", "not-a-token-at-all"))\r\n"), .read]
        )
        #expect(wrongToken.last?.hasPrefix("535 5.7.8") == true, "\(wrongToken)")

        let otherDomain = try await Self.dialogue(
            port: implicit, implicitTLS: true,
            [
                .read, .send("EHLO client.test\r\n"), .read, .send("AUTH PLAIN \(Self.plain("app", Self.limitedToken))\r\n"), .read,
                .send("MAIL FROM:<app@example.org>\r\n"), .read,
            ]
        )
        #expect(otherDomain.last?.hasPrefix("550 5.7.1") == true, "a token limited to example.com: \(otherDomain)")

        // A client that drops the connection in the middle of DATA leaves nothing behind.
        let dropped = try await Self.dialogue(
            port: implicit, implicitTLS: true,
            [
                .read, .send("EHLO client.test\r\n"), .read, .send("AUTH PLAIN \(Self.plain("app", Self.token))\r\n"), .read,
                .send("MAIL FROM:<app@example.com>\r\n"), .read, .send("RCPT TO:<ann@example.net>\r\n"), .read,
                .send("DATA\r\n"), .read, .send("Subject: cut short\r\n\r\nThe first half of a messa"), .close,
            ]
        )
        #expect(dropped.last?.hasPrefix("354") == true, "\(dropped)")
        try await Task.sleep(for: .milliseconds(500))
        let client = try await broker.connect()
        defer { Task { try? await client.close() } }
        #expect(try await client.stats().counts.values.reduce(0, +) == 0, "nothing was queued")
        #expect(try provider.receivedMessages().isEmpty)
    }

    /// SIGKILL at random moments while 5 connections submit: every message that got its 250 is
    /// delivered after the restarts.
    @Test(.tags(.slow), .timeLimit(.minutes(5)))
    func everyAcknowledgedMessageSurvivesKills() async throws {
        let provider = try await AiosmtpdServer.start()
        defer { provider.stop() }
        // Leases held at a kill expire after 5 s, not the default minute.
        let broker = try await startBroker(
            provider: provider, ["--submission-trusted-networks", "127.0.0.0/8", "--lease-visibility-seconds", "5"])
        defer { broker.stop() }
        var acknowledged: Set<String> = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<3 {
            let port = try await broker.submissionPort()
            let submitter = try ChildProcess.launch(
                "/usr/bin/python3", arguments: ["-c", Self.crashSubmitter, "\(port)", "round\(round)"], mergeStandardError: false
            )
            defer { submitter.terminate() }
            // Once the submitters are under way (a busy machine may take seconds to start Python), the
            // kill comes at a random moment.
            let started = try await ChildProcess.poll(timeout: .seconds(30), until: { submitter.standardOutput().contains("ACK ") })
            #expect(started, "round \(round): no message was acknowledged: \(submitter.diagnostics())")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1000, using: &generator)))
            try await broker.kill()
            _ = try await ChildProcess.poll(timeout: .seconds(30), until: { !submitter.isRunning })
            let lines = submitter.standardOutput().split(separator: "\n")
            let ids = lines.filter { $0.hasPrefix("ACK ") }.map { String($0.dropFirst(4)) }
            #expect(!ids.isEmpty, "round \(round): nothing was acknowledged before the kill: \(submitter.diagnostics())")
            acknowledged.formUnion(ids)
            try await broker.restart()
        }
        let all = acknowledged
        try await waitUntil("every acknowledged message to reach the provider", timeout: .seconds(90)) {
            let delivered = Set(try provider.receivedMessages().compactMap { Self.messageID(in: $0.data) })
            return all.isSubset(of: delivered)
        }
    }

    // MARK: - Helpers

    /// Five threads submitting over plain SMTP (a trusted network) until the broker goes away; prints
    /// `ACK <message-id>` for each message answered with 250.
    private static let crashSubmitter = """
        import smtplib, sys, threading, time
        port, run = int(sys.argv[1]), sys.argv[2]
        lock = threading.Lock()
        def submit(worker):
            failures, sequence = 0, 0
            while failures < 20:
                try:
                    with smtplib.SMTP("127.0.0.1", port, timeout=5) as session:
                        session.ehlo()
                        failures = 0
                        while True:
                            sequence += 1
                            mid = f"<{run}-{worker}-{sequence}@crash.test>"
                            body = f"From: app@example.com\\r\\nTo: ann@example.net\\r\\nMessage-ID: {mid}\\r\\nSubject: crash\\r\\n\\r\\n" + ("x" * 75 + "\\r\\n") * 20
                            session.mail("app@example.com")
                            session.rcpt("ann@example.net")
                            code, reply = session.data(body.encode())
                            with lock:
                                print(("ACK " + mid) if code == 250 else f"REFUSED {code} {reply!r}", flush=True)
                except Exception:
                    failures += 1
                    time.sleep(0.1)
        threads = [threading.Thread(target=submit, args=(n,)) for n in range(5)]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        """

    /// One step of a scripted SMTP session.
    enum Step {
        case send(String)
        /// Reads one reply (all its lines); the last line is recorded.
        case read
        /// Closes the connection without QUIT.
        case close
    }

    /// Runs `steps` against 127.0.0.1:`port` (in TLS from the first byte with `implicitTLS`) with a small
    /// Python client, and returns each reply read, its lines joined by " | " ("<closed>" when the server closed).
    private static func dialogue(port: Int, implicitTLS: Bool, _ steps: [Step]) async throws -> [String] {
        var encoded: [String] = []
        for step in steps {
            switch step {
            case .send(let text): encoded.append("S" + Data(text.utf8).base64EncodedString())
            case .read: encoded.append("R")
            case .close: encoded.append("C")
            }
        }
        let script = """
            import base64, socket, ssl, sys
            port, implicit, steps = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3:]
            sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            if implicit:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(sock)
            reader = sock.makefile("rb")
            for step in steps:
                if step[0] == "S":
                    sock.sendall(base64.b64decode(step[1:]))
                elif step[0] == "R":
                    lines = []
                    while True:
                        line = reader.readline()
                        if not line:
                            break
                        lines.append(line.decode("utf-8", "replace").rstrip("\\r\\n"))
                        if len(line) < 4 or line[3:4] != b"-":
                            break
                    print(" | ".join(lines) if lines else "<closed>", flush=True)
                elif step[0] == "C":
                    sock.close()
                    break
            """
        let output = try await python(script, arguments: ["\(port)", implicitTLS ? "1" : "0"] + encoded)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Runs a Python script to its end and returns its standard output; throws when it fails.
    private static func python(_ script: String, arguments: [String]) async throws -> [UInt8] {
        let child = try ChildProcess.launch("/usr/bin/python3", arguments: ["-c", script] + arguments, mergeStandardError: false)
        defer { child.terminate() }
        guard try await ChildProcess.poll(timeout: .seconds(60), until: { !child.isRunning }), child.exitStatus == 0 else {
            throw TestFailure("python failed: \(child.diagnostics())")
        }
        return Array(child.standardOutput().utf8)
    }

    /// Sends `data` as the whole message with swaks (`--data`), and returns swaks's outcome.
    private static func swaks(port: Int, data: [UInt8], recipients: [String], arguments: [String]) throws -> Swaks.Result {
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-swaks-data")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("message.eml")
        try Data(data).write(to: file)
        return try Swaks.send(to: port, from: "app@example.com", recipients: recipients, extraArguments: ["--data", "@" + file.path] + arguments)
    }

    /// The id in a `250 2.0.0 <id> queued` reply of a transcript.
    private static func queuedID(in transcript: String) -> String? {
        for line in transcript.split(separator: "\n") {
            guard let range = line.range(of: "250 2.0.0 "), line.hasSuffix(" queued") else { continue }
            return String(line[range.upperBound...].dropLast(" queued".count))
        }
        return nil
    }

    /// Splits the message's first header field, which must be a `Received` field, from the rest.
    private static func splitFirstReceived(_ data: [UInt8]) -> (trace: String, rest: [UInt8]) {
        guard data.starts(with: Array("Received:".utf8)) else { return ("", data) }
        var end = 0
        while let lineEnd = data[end...].firstIndex(of: UInt8(ascii: "\n")) {
            end = lineEnd + 1
            guard end < data.count, data[end] == UInt8(ascii: " ") || data[end] == UInt8(ascii: "\t") else { break }
        }
        return (String(decoding: data[..<end], as: UTF8.self), Array(data[end...]))
    }

    /// The message with the header fields named in `names` (one line each) removed.
    private static func removingFields(_ names: [String], from message: [UInt8]) -> [UInt8] {
        let text = String(decoding: message, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return message }
        let lines = text[..<headerEnd.lowerBound].components(separatedBy: "\r\n")
        let kept = lines.filter { line in !names.contains { line.lowercased().hasPrefix($0.lowercased() + ":") } }
        return Array((kept.joined(separator: "\r\n") + String(text[headerEnd.lowerBound...])).utf8)
    }

    /// The `Message-ID` field's value of a message.
    private static func messageID(in data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("message-id:") {
            return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `text` with LF line ends made CRLF, ending in CRLF.
    private static func crlf(_ text: String) -> [UInt8] {
        var text = text.replacingOccurrences(of: "\n", with: "\r\n")
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        return Array(text.utf8)
    }

    /// AUTH PLAIN's initial response.
    private static func plain(_ user: String, _ password: String) -> String {
        Data(("\0" + user + "\0" + password).utf8).base64EncodedString()
    }
}
