import MailTimeProtocol
import Testing

/// Every transition of ``BrokerConnectionStateMachine``: pipelining, read pausing, draining, closing.
@Suite struct BrokerConnectionStateMachineTests {
    private let pong = BrokerReply.ok("PONG")
    private let bye = BrokerReply.ok("BYE")

    // MARK: Handshake

    @Test func anAdmittedConnectionIsGreeted() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        #expect(machine.handshakeCompleted(admitted: true) == .greet)
        #expect(machine.state == .open(readingPaused: false))
        #expect(machine.acceptsRequests)
    }

    @Test func aConnectionOverTheLimitIsRefusedAndClosed() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        #expect(machine.handshakeCompleted(admitted: false) == .refuseAndClose)
        #expect(machine.state == .closed)
        #expect(!machine.acceptsRequests)
        #expect(machine.read() == .withhold)
    }

    @Test func aClosedConnectionIsNotGreeted() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        #expect(machine.shutdownRequested() == .close)
        #expect(machine.handshakeCompleted(admitted: true) == nil)
        #expect(machine.handshakeCompleted(admitted: false) == nil)
    }

    // MARK: Replies in request order

    @Test func repliesLeaveInRequestOrder() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        let places = machine.reserveReplies(3)
        #expect(machine.replyReady(.ok("3"), at: places[2]) == nil)
        #expect(machine.replyReady(.ok("2"), at: places[1]) == nil)
        #expect(machine.unanswered == 3)
        #expect(machine.replyReady(.ok("1"), at: places[0]) == .write([.ok("1"), .ok("2"), .ok("3")]))
        #expect(machine.unanswered == 0)
        let next = machine.reserveReply()
        #expect(machine.replyReady(pong, at: next) == .write([pong]))
    }

    @Test func aReplyThatClosesHoldsBackTheRepliesAfterIt() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        let places = machine.reserveReplies(3)
        #expect(machine.replyReady(.ok("3"), at: places[2]) == nil)
        #expect(machine.replyReady(bye, at: places[1], closeAfter: true) == nil)
        #expect(machine.replyReady(.ok("1"), at: places[0]) == .writeAndClose([.ok("1"), bye]))
        #expect(machine.state == .closed)
    }

    @Test func repliesAfterClosingAreDropped() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.errorCaught() == .close)
        #expect(machine.replyReady(pong, at: places[0]) == nil)
        #expect(machine.replyReady(pong, at: places[1]) == nil)
    }

    // MARK: Read pausing

    @Test func readingPausesAtMaximumInFlightAndResumesBelowIt() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        var places = machine.reserveReplies(1)
        #expect(machine.read() == .read)
        #expect(machine.state == .open(readingPaused: false))
        places.append(machine.reserveReply())
        #expect(machine.read() == .withhold)
        #expect(machine.state == .open(readingPaused: true))
        #expect(machine.acceptsRequests)
        // A reply held behind an earlier one does not free a place.
        #expect(machine.replyReady(pong, at: places[1]) == nil)
        #expect(machine.state == .open(readingPaused: true))
        #expect(machine.replyReady(pong, at: places[0]) == .writeAndResumeReading([pong, pong]))
        #expect(machine.state == .open(readingPaused: false))
        #expect(machine.read() == .read)
    }

    @Test func readingResumesAsSoonAsOnePlaceIsFree() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.read() == .withhold)
        #expect(machine.replyReady(pong, at: places[0]) == .writeAndResumeReading([pong]))
        // Reading was not withheld again: the next reply only writes.
        #expect(machine.replyReady(pong, at: places[1]) == .write([pong]))
    }

    @Test func repliesBelowTheLimitDoNotResumeAReadNobodyWithheld() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
        #expect(machine.read() == .read)
    }

    @Test func aPausedConnectionClosesOnAReplyThatAsksTo() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        let places = machine.reserveReplies(1)
        #expect(machine.read() == .withhold)
        #expect(machine.replyReady(bye, at: places[0], closeAfter: true) == .writeAndClose([bye]))
        #expect(machine.state == .closed)
        #expect(machine.read() == .withhold)
    }

    // MARK: Draining

    @Test func shutdownWithNothingInFlightClosesAtOnce() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        #expect(machine.shutdownRequested() == .close)
        #expect(machine.state == .closed)
        #expect(machine.shutdownRequested() == nil)
    }

    @Test func shutdownDrainsWhatIsInFlightThenCloses() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        let places = machine.reserveReplies(2)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.state == .draining)
        #expect(!machine.acceptsRequests)
        #expect(machine.read() == .withhold)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.replyReady(.ok("1"), at: places[0]) == .write([.ok("1")]))
        #expect(machine.state == .draining)
        #expect(machine.replyReady(.ok("2"), at: places[1]) == .writeAndClose([.ok("2")]))
        #expect(machine.state == .closed)
    }

    @Test func drainingNeverResumesReading() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.read() == .withhold)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
        #expect(machine.read() == .withhold)
    }

    @Test func aReplyThatClosesEndsDrainingEarly() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        let places = machine.reserveReplies(2)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.replyReady(bye, at: places[0], closeAfter: true) == .writeAndClose([bye]))
        #expect(machine.replyReady(pong, at: places[1]) == nil)
    }

    @Test func aDrainingConnectionIsStillGreeted() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        _ = machine.reserveReplies(1)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.handshakeCompleted(admitted: true) == .greet)
    }

    @Test func aDrainingConnectionOverTheLimitIsRefusedAndClosed() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        _ = machine.reserveReplies(1)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.handshakeCompleted(admitted: false) == .refuseAndClose)
        #expect(machine.state == .closed)
    }

    @Test func aDrainingConnectionStillStreamsEvents() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        machine.eventsStarted()
        _ = machine.reserveReplies(1)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.eventArrived() == .write(lostBefore: 0))
    }

    // MARK: Idleness and errors

    @Test func anIdleConnectionClosesOnlyWithNothingInFlight() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(1)
        #expect(machine.idleTimeoutReached() == nil)
        #expect(machine.state == .open(readingPaused: false))
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
        #expect(machine.idleTimeoutReached() == .close)
        #expect(machine.state == .closed)
        #expect(machine.idleTimeoutReached() == nil)
    }

    @Test func anEventStreamIsNeverIdle() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        machine.eventsStarted()
        #expect(machine.idleTimeoutReached() == nil)
        #expect(machine.shutdownRequested() == .close)
    }

    @Test func aDrainingConnectionIsNotClosedForIdlenessWhileReplying() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        _ = machine.reserveReplies(1)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.idleTimeoutReached() == nil)
        #expect(machine.state == .draining)
    }

    @Test func anErrorClosesOnce() {
        for draining in [false, true] {
            var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
            _ = machine.reserveReplies(1)
            if draining { #expect(machine.shutdownRequested() == nil) }
            #expect(machine.errorCaught() == .close)
            #expect(machine.state == .closed)
            #expect(machine.errorCaught() == nil)
            #expect(machine.shutdownRequested() == nil)
        }
    }

    // MARK: Events

    @Test func eventsAreWrittenUntilTheBacklogIsFullThenCountedAsLost() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        machine.eventsStarted()
        for _ in 0..<BrokerConnectionStateMachine.maximumUnwrittenEvents {
            #expect(machine.eventArrived() == .write(lostBefore: 0))
        }
        #expect(machine.eventArrived() == nil)
        #expect(machine.eventArrived() == nil)
        machine.eventWritten()
        #expect(machine.eventArrived() == .write(lostBefore: 2))
        #expect(machine.eventArrived() == nil)
        machine.eventWritten()
        machine.eventWritten()
        #expect(machine.eventArrived() == .write(lostBefore: 1))
        #expect(machine.eventArrived() == .write(lostBefore: 0))
    }

    @Test func noEventsAfterClosing() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        machine.eventsStarted()
        #expect(machine.eventArrived() == .write(lostBefore: 0))
        #expect(machine.errorCaught() == .close)
        #expect(machine.eventArrived() == nil)
    }
}

extension BrokerConnectionStateMachine {
    /// Places for `count` requests read now.
    mutating func reserveReplies(_ count: Int) -> [Int] {
        (0..<count).map { _ in reserveReply() }
    }
}
