import Testing

@testable import MailTimeTLS

@Suite struct TLSStateMachineTests {
    private func active() -> TLSStateMachine {
        var machine = TLSStateMachine()
        _ = machine.channelActive()
        _ = machine.handshakeStepped(.complete)
        return machine
    }

    @Test func handshakeStartsOnceWhenTheChannelBecomesActive() {
        var machine = TLSStateMachine()
        #expect(machine.handlerAdded(channelIsActive: false) == .none)
        #expect(machine.channelRead() == .none)
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.state == .handshaking)
        #expect(machine.channelActive() == .none)
        #expect(machine.channelRead() == .continueHandshake)
        #expect(machine.handshakeStepped(.incomplete) == .none)
        #expect(machine.handshakeStepped(.complete) == .completeHandshake)
        #expect(machine.state == .active)
        #expect(machine.channelRead() == .decrypt)
    }

    @Test func addedToAnActiveChannelStartsTheHandshake() {
        var machine = TLSStateMachine()
        #expect(machine.handlerAdded(channelIsActive: true) == .startHandshake)
        #expect(machine.state == .handshaking)
    }

    @Test func writesWaitForTheHandshakeAndFailAfterClose() {
        var machine = TLSStateMachine()
        #expect(machine.write() == .bufferWrite)
        #expect(machine.flush() == .none)
        _ = machine.channelActive()
        #expect(machine.write() == .bufferWrite)
        #expect(machine.flush() == .none)
        _ = machine.handshakeStepped(.complete)
        #expect(machine.write() == .encryptWrite)
        #expect(machine.flush() == .flush)
        #expect(machine.close() == .sendCloseNotify)
        #expect(machine.write() == .failWrite)
    }

    @Test func handshakeFailureClosesWithoutShutdown() {
        var machine = TLSStateMachine()
        _ = machine.channelActive()
        let error = TLSError(.handshakeFailed, "bad record")
        #expect(machine.handshakeStepped(.failed(error)) == .failAndClose(error))
        #expect(machine.state == .closed)
        #expect(machine.handshakeTimedOut() == .none)
        #expect(machine.channelRead() == .none)
        #expect(machine.channelInactive() == .channelClosed(error: nil))
    }

    @Test func handshakeTimeoutFiresOnlyWhileHandshaking() {
        var machine = TLSStateMachine()
        #expect(machine.handshakeTimedOut() == .none)
        _ = machine.channelActive()
        guard case .failAndClose(let error) = machine.handshakeTimedOut() else {
            Issue.record("expected failAndClose")
            return
        }
        #expect(error.code == .handshakeTimeout)
        #expect(machine.state == .closed)

        var completed = self.active()
        #expect(completed.handshakeTimedOut() == .none)
        #expect(completed.state == .active)
    }

    @Test func closeSendsCloseNotifyAndWaitsForThePeers() {
        var machine = self.active()
        #expect(machine.close() == .sendCloseNotify)
        #expect(machine.state == .closing)
        #expect(machine.close() == .none)
        #expect(machine.channelRead() == .decrypt)
        #expect(machine.closeNotifyReceived() == .closeChannel)
        #expect(machine.state == .closed)
        #expect(machine.close() == .forwardClose)
    }

    @Test func closeTimesOutWithoutThePeersCloseNotify() {
        var machine = self.active()
        _ = machine.close()
        #expect(machine.closeTimedOut() == .closeChannel)
        #expect(machine.state == .closed)
        #expect(machine.closeTimedOut() == .none)
    }

    @Test func peerCloseNotifyIsAnswered() {
        var machine = self.active()
        #expect(machine.closeNotifyReceived() == .answerCloseNotifyAndClose)
        #expect(machine.state == .closed)
        #expect(machine.channelInactive() == .channelClosed(error: nil))
    }

    @Test func closeBeforeOrDuringTheHandshakeClosesAtOnce() {
        var idle = TLSStateMachine()
        #expect(idle.close() == .closeChannel)
        #expect(idle.state == .closed)

        var handshaking = TLSStateMachine()
        _ = handshaking.channelActive()
        #expect(handshaking.close() == .closeChannel)
        #expect(handshaking.handshakeStepped(.complete) == .none)
    }

    @Test func eofWithoutCloseNotifyIsReported() {
        var handshaking = TLSStateMachine()
        _ = handshaking.channelActive()
        guard case .channelClosed(let duringHandshake?) = handshaking.channelInactive() else {
            Issue.record("expected an error")
            return
        }
        #expect(duringHandshake.code == .eofDuringHandshake)

        var active = self.active()
        guard case .channelClosed(let unclean?) = active.channelInactive() else {
            Issue.record("expected an error")
            return
        }
        #expect(unclean.code == .uncleanShutdown)

        var closing = self.active()
        _ = closing.close()
        #expect(closing.channelInactive() == .channelClosed(error: nil))
    }

    @Test func connectionFailureClosesOnce() {
        var machine = self.active()
        let error = TLSError(.connectionFailed, "bad record mac")
        #expect(machine.connectionFailed(error) == .failAndClose(error))
        #expect(machine.connectionFailed(error) == .none)
    }

    @Test func removalEndsTheConnection() {
        var machine = self.active()
        machine.handlerRemoved()
        #expect(machine.state == .closed)
        #expect(machine.write() == .failWrite)
    }
}
