import MailTimeProtocol
import NIOCore
import Testing

/// Every transition of ``BrokerConnectionStateMachine``: pipelining, read pausing on unanswered
/// requests and unwritten reply bytes, the broker's total budget, draining, closing.
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
        #expect(machine.unanswered == 3)
        #expect(machine.repliesWritten(3, bytes: 12) == nil)
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
        // A reply held behind an earlier one does not free a place, nor a reply not yet written.
        #expect(machine.replyReady(pong, at: places[1]) == nil)
        #expect(machine.state == .open(readingPaused: true))
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong, pong]))
        #expect(machine.state == .open(readingPaused: true))
        #expect(machine.read() == .withhold)
        #expect(machine.repliesWritten(2, bytes: 2 * pong.encodedByteCount) == .resume)
        #expect(machine.resumeReading() == .read)
        #expect(machine.state == .open(readingPaused: false))
        #expect(machine.resumeReading() == nil)
        #expect(machine.read() == .read)
    }

    @Test func readingResumesAsSoonAsOneReplyIsWritten() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.read() == .withhold)
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
        #expect(machine.replyReady(pong, at: places[1]) == .write([pong]))
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
        #expect(machine.resumeReading() == .read)
        // Reading was not withheld again: the next write resumes nothing.
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == nil)
    }

    @Test func writesBelowTheLimitDoNotResumeAReadNobodyWithheld() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 2)
        let places = machine.reserveReplies(2)
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == nil)
        #expect(machine.resumeReading() == nil)
        #expect(machine.read() == .read)
    }

    @Test func aRequestIsUnansweredUntilItsReplyIsWritten() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        let place = machine.reserveReply()
        #expect(machine.replyReady(pong, at: place) == .write([pong]))
        #expect(machine.unanswered == 1)
        #expect(machine.unwrittenReplyBytes == pong.encodedByteCount)
        #expect(machine.read() == .withhold)
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
        #expect(machine.unanswered == 0)
        #expect(machine.unwrittenReplyBytes == 0)
    }

    // MARK: Held requests

    @Test func requestsPastALimitAreHeldAndTakenInTurnOnceWritten() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        #expect(machine.requestArrived() == .handle)
        let place = machine.reserveReply()
        #expect(machine.requestArrived() == .hold)
        #expect(machine.requestArrived() == .hold)
        #expect(machine.heldRequests == 2)
        #expect(machine.takeHeldRequest() == false)
        #expect(machine.replyReady(pong, at: place) == .write([pong]))
        #expect(machine.takeHeldRequest() == false)
        // Held requests resume the connection although no read was withheld.
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
        #expect(machine.takeHeldRequest() == true)
        _ = machine.reserveReply()
        #expect(machine.takeHeldRequest() == false)
        #expect(machine.heldRequests == 1)
        #expect(machine.resumeReading() == nil)
    }

    @Test func aRequestArrivingBehindHeldOnesIsHeldToo() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        let place = machine.reserveReply()
        #expect(machine.requestArrived() == .hold)
        _ = machine.replyReady(pong, at: place)
        _ = machine.repliesWritten(1, bytes: pong.encodedByteCount)
        // Within the limits again, but the held request goes first.
        #expect(machine.requestArrived() == .hold)
        #expect(machine.read() == .withhold)
        #expect(machine.takeHeldRequest() == true)
        #expect(machine.heldRequests == 1)
    }

    @Test func heldRequestsWithholdReadingUntilTaken() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        let place = machine.reserveReply()
        #expect(machine.requestArrived() == .hold)
        #expect(machine.read() == .withhold)
        _ = machine.replyReady(pong, at: place)
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
        #expect(machine.resumeReading() == nil)
        #expect(machine.takeHeldRequest() == true)
        #expect(machine.resumeReading() == .read)
    }

    @Test func requestsAreDroppedOnceDrainingOrClosed() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        _ = machine.reserveReply()
        #expect(machine.requestArrived() == .hold)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.heldRequests == 0)
        #expect(machine.takeHeldRequest() == false)
        #expect(machine.requestArrived() == .drop)
        #expect(machine.errorCaught() == .close)
        #expect(machine.requestArrived() == .drop)
    }

    // MARK: Unwritten reply bytes

    @Test func readingPausesAtTheUnwrittenReplyBytesAndResumesBelowThem() {
        let big = BrokerReply.okLines(Array(repeating: ReplyLine(String(repeating: "x", count: 98)), count: 10))
        #expect(big.encodedByteCount == "OK 10\r\n".utf8.count + 10 * 100)
        var machine = BrokerConnectionStateMachine(maximumInFlight: 100, maximumUnwrittenReplyBytes: 2_000)
        var places = machine.reserveReplies(2)
        #expect(machine.replyReady(big, at: places[0]) == .write([big]))
        #expect(machine.read() == .read)
        #expect(machine.replyReady(big, at: places[1]) == .write([big]))
        #expect(machine.unwrittenReplyBytes == 2 * big.encodedByteCount)
        #expect(machine.requestArrived() == .hold)
        #expect(machine.read() == .withhold)
        #expect(machine.state == .open(readingPaused: true))
        #expect(machine.repliesWritten(1, bytes: big.encodedByteCount) == .resume)
        #expect(machine.takeHeldRequest() == true)
        places = machine.reserveReplies(1)
        #expect(machine.resumeReading() == .read)
        #expect(machine.replyReady(pong, at: places[0]) == .write([pong]))
    }

    @Test func encodedByteCountIsWhatIsWritten() {
        for reply in [
            pong, BrokerReply.okLines([]), .okLines([ReplyLine("JOB a"), ReplyLine("JOB 3 {\"ü\":1}", payload: Array("abc".utf8))]),
            .error(ProtocolError(.notFound, "no such email")),
        ] {
            var buffer = ByteBuffer()
            reply.write(into: &buffer)
            #expect(reply.encodedByteCount == buffer.readableBytes)
        }
    }

    // MARK: The broker's total budget

    @Test func overTheTotalBudgetAConnectionWithUnwrittenRepliesWaitsForIt() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        let place = machine.reserveReply()
        _ = machine.replyReady(pong, at: place)
        machine.totalBudgetExceeded()
        #expect(machine.requestArrived() == .hold)
        #expect(machine.read() == .withholdUntilTotalBudgetRecovers)
        #expect(machine.totalBudgetRecovered() == .resume)
        #expect(machine.takeHeldRequest() == true)
        #expect(machine.resumeReading() == .read)
    }

    @Test func overTheTotalBudgetAConnectionWithEverythingWrittenReads() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 10)
        machine.totalBudgetExceeded()
        #expect(machine.requestArrived() == .handle)
        #expect(machine.read() == .read)
        let place = machine.reserveReply()
        _ = machine.replyReady(pong, at: place)
        #expect(machine.read() == .withholdUntilTotalBudgetRecovers)
        // Its own replies written, it reads again before the total recovers.
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
        #expect(machine.resumeReading() == .read)
        #expect(machine.totalBudgetRecovered() == nil)
    }

    @Test func theTotalBudgetRecoveringDoesNotLiftTheConnectionsOwnLimits() {
        var machine = BrokerConnectionStateMachine(maximumInFlight: 1)
        let place = machine.reserveReply()
        _ = machine.replyReady(pong, at: place)
        machine.totalBudgetExceeded()
        #expect(machine.read() == .withholdUntilTotalBudgetRecovers)
        #expect(machine.totalBudgetRecovered() == nil)
        #expect(machine.read() == .withhold)
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == .resume)
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
        #expect(machine.repliesWritten(1, bytes: pong.encodedByteCount) == nil)
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
