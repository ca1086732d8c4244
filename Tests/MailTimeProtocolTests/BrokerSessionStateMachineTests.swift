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
        #expect(session.received(.rejected(tooLarge, fatal: false)) == .reply(.error(tooLarge)))
        let tooLong = ProtocolError(.lineTooLong, "long")
        #expect(session.received(.rejected(tooLong, fatal: true)) == .replyAndClose(.error(tooLong)))
        #expect(session.state == .closed)
    }
}
