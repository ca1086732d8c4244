import MailTimeModel
import MailTimeProtocol
import NIOCore
import Testing

@Suite struct BrokerCommandTests {
    @Test func parsesEveryCommand() throws {
        let id = "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59"
        #expect(try BrokerCommand(line: "ping") == .ping)
        #expect(try BrokerCommand(line: "AUTH s3cret") == .auth(token: "s3cret"))
        #expect(try BrokerCommand(line: "SEND 2", payload: ByteBuffer(string: "{}")) == .send(payload: ByteBuffer(string: "{}")))
        #expect(try BrokerCommand(line: "CANCEL \(id)") == .cancel(id: id))
        #expect(try BrokerCommand(line: "STATUS \(id)") == .status(id: id))
        #expect(try BrokerCommand(line: "STATS") == .stats)
        #expect(try BrokerCommand(line: "LIST ready") == .list(state: .ready, after: nil, limit: 100))
        #expect(try BrokerCommand(line: "list failed - 5") == .list(state: .failed, after: nil, limit: 5))
        #expect(try BrokerCommand(line: "LIST sent \(id) 7") == .list(state: .sent, after: id, limit: 7))
        #expect(try BrokerCommand(line: "REQUEUE FAILED") == .requeue(target: .allFailed))
        #expect(try BrokerCommand(line: "REQUEUE \(id)") == .requeue(target: .id(id)))
        #expect(try BrokerCommand(line: "PAUSE") == .pause)
        #expect(try BrokerCommand(line: "resume") == .resume)
        #expect(try BrokerCommand(line: "EVENTS") == .events)
        #expect(try BrokerCommand(line: "QUIT") == .quit)
        #expect(try BrokerCommand(line: "LEASE 10 300") == .lease(maximum: 10, visibilitySeconds: 300))
        #expect(try BrokerCommand(line: "COMPLETE \(id) 42") == .complete(id: id, token: 42, results: nil))
        #expect(
            try BrokerCommand(line: #"COMPLETE \#(id) 42 [{"address": "a@b.c"}]"#)
                == .complete(id: id, token: 42, results: #"[{"address": "a@b.c"}]"#)
        )
        #expect(try BrokerCommand(line: #"RETRY \#(id) 7 {"error": {}}"#) == .retry(id: id, token: 7, report: #"{"error": {}}"#))
        #expect(try BrokerCommand(line: #"FAIL \#(id) 7 {}"#) == .fail(id: id, token: 7, report: "{}"))
        #expect(try BrokerCommand(line: "TOUCH \(id) 7 60") == .touch(id: id, token: 7, seconds: 60))
        #expect(try BrokerCommand(line: "help") == .help)
        #expect(try BrokerCommand(line: #"SEND {"to": "a@b.c"}"#) == .send(payload: ByteBuffer(string: #"{"to": "a@b.c"}"#)))
        #expect(try BrokerCommand(line: "TOUCH \(id) 0 3600") == .touch(id: id, token: 0, seconds: 3600))
        #expect(try BrokerCommand(line: "COMPLETE \(id) 18446744073709551615") == .complete(id: id, token: .max, results: nil))
    }

    @Test(arguments: [
        ("FROB", ProtocolError.Code.unknownCommand),
        ("", .unknownCommand),
        ("   ", .unknownCommand),
        ("PING now", .badArguments),
        ("HELP SEND", .badArguments),
        ("AUTH", .badArguments),
        ("SEND 3", .badArguments),
        ("SEND", .badArguments),
        ("SEND  {}", .badArguments),
        ("LEASE ten 60", .badArguments),
        ("LEASE 0 60", .invalidArgument),
        ("LEASE 1001 60", .invalidArgument),
        ("LEASE 1 0", .invalidArgument),
        ("LEASE 1 3601", .invalidArgument),
        ("LIST ready - 0", .invalidArgument),
        ("LIST ready - 1001", .invalidArgument),
        ("COMPLETE x", .badArguments),
        ("COMPLETE x -1", .badArguments),
        ("RETRY x 1", .badArguments),
        ("TOUCH x 1 0", .badArguments),
        ("TOUCH 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 1 0", .invalidArgument),
        ("TOUCH 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 1 3601", .invalidArgument),
        // Numbers: 1*DIGIT in ASCII, no sign, no leading zero, at most 2^64 - 1.
        ("LEASE +1 60", .badArguments),
        ("LEASE -1 60", .badArguments),
        ("LEASE 01 60", .badArguments),
        ("LEASE 1e3 60", .badArguments),
        ("LEASE 0x10 60", .badArguments),
        ("LEASE \u{0661} 60", .badArguments),
        ("LEASE 1.0 60", .badArguments),
        ("LEASE 18446744073709551615 60", .invalidArgument),
        ("LEASE 18446744073709551616 60", .badArguments),
        ("TOUCH 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 +10 60", .badArguments),
        ("TOUCH 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 010 60", .badArguments),
        ("COMPLETE 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 +1", .badArguments),
        // Separators: single spaces only.
        ("LEASE 1  60", .badArguments),
        ("LEASE 1 60 ", .badArguments),
        (" PING", .badArguments),
        ("PING ", .badArguments),
        ("LEASE\t1 60", .badArguments),
        ("LEASE 1\t60", .badArguments),
        ("COMPLETE 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59  1", .badArguments),
        ("COMPLETE 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59 1 ", .badArguments),
        ("STATUS 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59\r", .badArguments),
        ("STATUS 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59\u{7F}", .badArguments),
        // Arguments are case-sensitive: state names in lower case, FAILED in upper case, ids in lower case.
        ("LIST READY", .badArguments),
        ("LIST Ready", .badArguments),
        ("REQUEUE failed", .badArguments),
        ("STATUS 0193A3C4-2F1E-7CC0-8A9E-6F1D2C3B4A59", .badArguments),
        ("CANCEL 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a5", .badArguments),
        ("CANCEL 0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a590", .badArguments),
        ("LIST ready 0193A3C4-2F1E-7CC0-8A9E-6F1D2C3B4A59", .badArguments),
    ])
    func refusesMalformedRequests(line: String, code: ProtocolError.Code) {
        #expect(throws: ProtocolError.self) { try BrokerCommand(line: line) }
        do {
            _ = try BrokerCommand(line: line)
        } catch {
            #expect(error.code == code, "\(line): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func rolesAllowTheirCommands() throws {
        let send = BrokerCommand.send(payload: ByteBuffer())
        let lease = BrokerCommand.lease(maximum: 1, visibilitySeconds: 1)
        #expect(BrokerRole.producer.permits(send) && !BrokerRole.producer.permits(lease) && !BrokerRole.producer.permits(.stats))
        #expect(BrokerRole.worker.permits(lease) && !BrokerRole.worker.permits(send) && !BrokerRole.worker.permits(.pause))
        #expect(BrokerRole.admin.permits(send) && BrokerRole.admin.permits(lease) && BrokerRole.admin.permits(.events))
        #expect(BrokerRole.allCases.allSatisfy { $0.permits(.ping) && $0.permits(.quit) })
        // A viewer reads and follows, and changes nothing.
        let reads: [BrokerCommand] = [
            .stats, .list(state: .failed, after: nil, limit: 10), .search(filter: EmailFilter(), after: nil, limit: 10), .status(id: "x"), .events,
        ]
        let actions: [BrokerCommand] = [
            send, lease, .cancel(id: "x"), .requeue(target: .allFailed), .pause, .resume, .bulk(.purge, filter: EmailFilter()),
            .pauseProvider(name: "main"), .resumeProvider(name: "main"),
        ]
        #expect(reads.allSatisfy(BrokerRole.viewer.permits))
        #expect(!actions.contains(where: BrokerRole.viewer.permits))
    }

    @Test func repliesEndEachLineWithCRLF() {
        var buffer = ByteBuffer()
        BrokerReply.okLines([ReplyLine("JOB {}"), ReplyLine("JOB {}")]).write(into: &buffer)
        BrokerReply.error(ProtocolError(.notFound, "no such id")).write(into: &buffer)
        #expect(String(buffer: buffer) == "OK 2\r\nJOB {}\r\nJOB {}\r\nERR NOT_FOUND no such id\r\n")
    }
}
