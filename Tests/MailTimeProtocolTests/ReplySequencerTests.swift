@testable import MailTimeProtocol
import Testing

@Suite struct ReplySequencerTests {
    private func lines(_ ready: [(reply: BrokerReply, closeAfter: Bool)]) -> [String] {
        ready.map(\.reply.line)
    }

    @Test func placesAreTakenInArrivalOrder() {
        var sequencer = ReplySequencer()
        #expect(sequencer.reserve() == 0)
        #expect(sequencer.reserve() == 1)
        #expect(sequencer.unanswered == 2)
    }

    @Test func aReplyWaitsForEveryEarlierOne() {
        var sequencer = ReplySequencer()
        let places = (0..<4).map { _ in sequencer.reserve() }
        #expect(sequencer.fill(places[3], with: .ok("d")).isEmpty)
        #expect(sequencer.fill(places[1], with: .ok("b")).isEmpty)
        #expect(sequencer.unanswered == 4)
        #expect(lines(sequencer.fill(places[0], with: .ok("a"))) == ["OK a", "OK b"])
        #expect(sequencer.unanswered == 2)
        #expect(lines(sequencer.fill(places[2], with: .ok("c"))) == ["OK c", "OK d"])
        #expect(sequencer.unanswered == 0)
    }

    @Test func theLineStopsAfterAReplyThatCloses() {
        var sequencer = ReplySequencer()
        let places = (0..<3).map { _ in sequencer.reserve() }
        _ = sequencer.fill(places[2], with: .ok("c"))
        _ = sequencer.fill(places[1], with: .ok("BYE"), closeAfter: true)
        let ready = sequencer.fill(places[0], with: .ok("a"))
        #expect(lines(ready) == ["OK a", "OK BYE"])
        #expect(ready.map(\.closeAfter) == [false, true])
        #expect(sequencer.unanswered == 1)
    }

    @Test func manyRepliesInRandomOrderLeaveInRequestOrder() {
        var sequencer = ReplySequencer()
        var generator = SystemRandomNumberGenerator()
        let places = (0..<200).map { _ in sequencer.reserve() }
        var written: [String] = []
        for place in places.shuffled(using: &generator) {
            written += lines(sequencer.fill(place, with: .ok("\(place)")))
        }
        #expect(written == places.map { "OK \($0)" })
        #expect(sequencer.unanswered == 0)
    }
}
