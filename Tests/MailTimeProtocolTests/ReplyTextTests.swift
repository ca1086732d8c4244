import MailTimeModel
import MailTimeProtocol
import Testing

/// The one-line replies with values after `OK`: `SEND`'s and `TOUCH`'s.
@Suite struct ReplyTextTests {
    @Test func renewalsRoundTripThroughTouchsReply() throws {
        for renewal in [LeaseRenewal(deadline: 1_764_400_360_000, cancelRequested: false), LeaseRenewal(deadline: 5, cancelRequested: true)] {
            #expect(try LeaseRenewal(replyText: renewal.replyText) == renewal)
        }
        #expect(LeaseRenewal(deadline: 5, cancelRequested: true).replyText == "5 CANCEL_REQUESTED")
        for text in ["", "x", "5 CANCELLED", "5 CANCEL_REQUESTED more"] {
            #expect(throws: ProtocolError.self) { try LeaseRenewal(replyText: text) }
        }
    }

    @Test func sendResultsRoundTripThroughSendsReply() throws {
        for result in [SendResult(id: "0193a3c4-2f1e-7cc0-8a9e-6f1d2c3b4a59", isDuplicate: false), SendResult(id: "a", isDuplicate: true)] {
            #expect(try SendResult(replyText: result.replyText) == result)
        }
        for text in ["", "a b", "a DUPLICATE x"] {
            #expect(throws: ProtocolError.self) { try SendResult(replyText: text) }
        }
    }
}
