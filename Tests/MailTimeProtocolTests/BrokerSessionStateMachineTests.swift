import MailTimeProtocol
import Testing

@Suite struct BrokerSessionStateMachineTests {
    private func request(_ line: String) -> BrokerFrame { .request(line: line, payload: nil) }

    @Test func onlyPingAuthAndQuitBeforeAuth() {
        var session = BrokerSessionStateMachine()
        #expect(session.received(request("PING")) == .reply(.ok("PONG")))
        guard case .reply(let reply) = session.received(request("STATS")) else {
            Issue.record("no reply")
            return
        }
        #expect(reply.line.hasPrefix("ERR AUTH_REQUIRED"))
        #expect(session.received(request("AUTH tok")) == .verify(token: "tok"))
        #expect(session.tokenVerified(.producer) == .reply(.ok("producer")))
        #expect(session.state == .authenticated(.producer))
    }

    @Test func roleLimitsCommands() {
        var session = BrokerSessionStateMachine()
        _ = session.received(request("AUTH t"))
        _ = session.tokenVerified(.worker)
        #expect(session.received(request("LEASE 1 60")) == .execute(.lease(maximum: 1, visibilitySeconds: 60), role: .worker))
        guard case .reply(let reply) = session.received(request("STATS")) else {
            Issue.record("no reply")
            return
        }
        #expect(reply.line == "ERR FORBIDDEN the worker role may not use STATS")
    }

    @Test func thirdBadTokenClosesAfterADelay() {
        var session = BrokerSessionStateMachine()
        for _ in 0..<2 {
            _ = session.received(request("AUTH wrong"))
            guard case .reply(let reply) = session.tokenVerified(nil) else {
                Issue.record("closed early")
                return
            }
            #expect(reply.line.hasPrefix("ERR AUTH_FAILED"))
        }
        _ = session.received(request("AUTH wrong"))
        guard case .delayReplyAndClose = session.tokenVerified(nil) else {
            Issue.record("not closed")
            return
        }
        #expect(session.state == .closed)
        #expect(session.received(request("PING")) == .ignore)
    }

    @Test func failedAuthDropsTheRole() {
        var session = BrokerSessionStateMachine()
        _ = session.received(request("AUTH t"))
        _ = session.tokenVerified(.admin)
        _ = session.received(request("AUTH bad"))
        _ = session.tokenVerified(nil)
        #expect(session.state == .unauthenticated(failures: 1))
    }

    @Test func eventsStreamAcceptsOnlyQuit() {
        var session = BrokerSessionStateMachine()
        _ = session.received(request("AUTH t"))
        _ = session.tokenVerified(.admin)
        #expect(session.received(request("EVENTS")) == .startEvents)
        guard case .reply(let reply) = session.received(request("STATS")) else {
            Issue.record("no reply")
            return
        }
        #expect(reply.line.hasPrefix("ERR EVENTS_ONLY"))
        #expect(session.received(request("QUIT")) == .replyAndClose(.ok("BYE")))
    }

    @Test func framingErrors() {
        var session = BrokerSessionStateMachine()
        let tooLarge = ProtocolError(.emailTooLarge, "big")
        #expect(Self.code(session.received(.rejected(tooLarge, fatal: false))) == "AUTH_REQUIRED")
        _ = session.received(request("AUTH t"))
        _ = session.tokenVerified(.producer)
        #expect(session.received(.rejected(tooLarge, fatal: false)) == .reply(.error(tooLarge)))
        let tooLong = ProtocolError(.lineTooLong, "long")
        #expect(session.received(.rejected(tooLong, fatal: true)) == .replyAndClose(.error(tooLong)))
        #expect(session.state == .closed)
    }

    /// The code of an `ERR` reply action, or `nil`.
    static func code(_ action: BrokerSessionStateMachine.Action) -> String? {
        guard case .reply(let reply) = action, reply.isError else { return nil }
        return reply.line.split(separator: " ")[1].description
    }

    @Test(arguments: ["STATS", "FROB", "", "   ", "SEND {}", "LIST READY", " PING", "stats now"])
    func beforeAuthEveryOtherLineGetsAuthRequired(line: String) {
        var session = BrokerSessionStateMachine()
        #expect(Self.code(session.received(request(line))) == "AUTH_REQUIRED", "\(line)")
        #expect(session.state == .unauthenticated(failures: 0))
    }

    @Test func beforeAuthPingHelpAndQuitWorkAndTheirArgumentsAreChecked() {
        var session = BrokerSessionStateMachine()
        #expect(session.received(request("ping")) == .reply(.ok("PONG")))
        #expect(session.received(request("HELP")) == .reply(BrokerCommand.helpReply))
        #expect(Self.code(session.received(request("HELP me"))) == "BAD_ARGUMENTS")
        #expect(Self.code(session.received(request("AUTH"))) == "BAD_ARGUMENTS")
        #expect(session.received(request("quit")) == .replyAndClose(.ok("BYE")))
    }

    @Test func helpListsEveryCommandWithItsArguments() {
        let reply = BrokerCommand.helpReply
        #expect(reply.line == "OK \(reply.dataLines.count)")
        #expect(reply.dataLines.allSatisfy { $0.text.hasPrefix("HELP ") && $0.payload == nil })
        let words = Set(reply.dataLines.map { $0.text.split(separator: " ")[1].filter { $0 != ":" } })
        #expect(
            words == [
                "PING", "HELP", "AUTH", "QUIT", "SEND", "CANCEL", "STATUS", "STATS", "LIST", "REQUEUE", "PURGE", "PAUSE", "RESUME", "EVENTS", "LEASE",
                "COMPLETE", "RETRY", "FAIL", "TOUCH",
            ])
        #expect(reply.dataLines.contains { $0.text.hasPrefix("HELP SEND {json}: ") })
        #expect(reply.dataLines.contains { $0.text.hasPrefix("HELP TOUCH <id> <token> <seconds>: ") })
    }

    @Test func afterAuthMalformedLinesGetTheirOwnCodes() {
        var session = BrokerSessionStateMachine()
        _ = session.received(request("AUTH t"))
        _ = session.tokenVerified(.admin)
        #expect(Self.code(session.received(request(""))) == "UNKNOWN_COMMAND")
        #expect(Self.code(session.received(request("FROB"))) == "UNKNOWN_COMMAND")
        #expect(Self.code(session.received(request("LIST  ready"))) == "BAD_ARGUMENTS")
        #expect(session.received(request("HELP")) == .reply(BrokerCommand.helpReply))
        _ = session.received(request("EVENTS"))
        #expect(Self.code(session.received(request("FROB"))) == "EVENTS_ONLY")
        #expect(Self.code(session.received(request("HELP"))) == "EVENTS_ONLY")
        #expect(Self.code(session.received(.rejected(ProtocolError(.emailTooLarge, "big"), fatal: false))) == "EVENTS_ONLY")
    }

    @Test func theSessionRemembersItsTokensSenderDomainsUntilTheNextAuth() {
        var session = BrokerSessionStateMachine()
        #expect(session.allowedSenderDomains == nil)
        _ = session.received(request("AUTH limited"))
        #expect(session.tokenVerified(.producer, allowedSenderDomains: ["example.com"]) == .reply(.ok("producer")))
        #expect(session.allowedSenderDomains == ["example.com"])
        _ = session.received(request("AUTH unlimited"))
        _ = session.tokenVerified(.admin)
        #expect(session.allowedSenderDomains == nil)
        _ = session.tokenVerified(.producer, allowedSenderDomains: ["example.org"])
        // A failed AUTH drops the role and its domains.
        _ = session.tokenVerified(nil, allowedSenderDomains: ["example.org"])
        #expect(session.allowedSenderDomains == nil)
        #expect(session.state == .unauthenticated(failures: 1))
    }
}
