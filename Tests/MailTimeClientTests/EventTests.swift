import Foundation
import MailTimeClient
import MailTimeTestSupport
import Testing

@Suite("Events", .timeLimit(.minutes(2)))
struct EventTests {
    /// The first event of `stream` about `id`, waiting at most 15 s.
    private func firstEvent(about id: String, in stream: MailTimeEventStream) async throws -> MailTimeEvent {
        try await deadline(.seconds(15), "an event about \(id)") {
            for try await event in stream where event.id == id {
                return event
            }
            throw TestFailure("the event stream ended")
        }
    }

    @Test func streamsCancelledFailedAndDeferredEvents() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let cancelledStream = try await client.events()
            let cancelled = try await client.send(sampleEmail(1))
            #expect(try await client.cancel(cancelled.id) == .cancelled)
            let cancelledEvent = try await firstEvent(about: cancelled.id, in: cancelledStream)
            #expect(cancelledEvent.kind == .cancelled)
            #expect(cancelledEvent.job?.state == .cancelled)
            #expect(cancelledEvent.at != nil)
            #expect(cancelledEvent.json.contains(#""event":"cancelled""#))

            let workedStream = try await client.events()
            let worked = try await client.send(sampleEmail(2))
            let first = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            _ = try await client.retry(
                id: first.id, token: first.token, error: DeliveryFailure(code: DeliveryFailure.Code("BUSY"), text: "try later"), delayMilliseconds: 0)
            let second = try #require(try await client.lease(max: 1, visibilitySeconds: 30).first)
            try await client.fail(id: second.id, token: second.token, error: DeliveryFailure(code: DeliveryFailure.Code("REJECTED"), text: "550 no"))
            let kinds = try await deadline(.seconds(15), "deferred and failed events") {
                var kinds: [MailTimeEvent] = []
                for try await event in workedStream where event.id == worked.id {
                    kinds.append(event)
                    if kinds.count == 2 { break }
                }
                return kinds
            }
            #expect(kinds.map(\.kind) == [.deferred, .failed])
            #expect(kinds.first?.nextAttempt != nil)
            #expect(kinds.first?.error?.code == DeliveryFailure.Code("BUSY"))
            #expect(kinds.last?.error?.code == DeliveryFailure.Code("REJECTED"))
            try await cancelledStream.close()
            try await workedStream.close()
            try await client.close()
        }
    }

    @Test func embeddedSendersDeliverToTheOutboxAndReportSent() async throws {
        try await TestBroker.run({ $0.senders = 1 }) { broker in
            let client = try await broker.connect()
            let events = try await client.events()
            let sent = try await client.send(sampleEmail())
            let event = try await firstEvent(about: sent.id, in: events)
            #expect(event.kind == .sent)
            #expect(event.job?.state == .sent)
            #expect(try await client.status(sent.id).state == .sent)
            let eml = try String(contentsOfFile: broker.dataDirectory + "/outbox/\(sent.id).eml", encoding: .utf8)
            #expect(eml.contains("Subject: Hello 0"))
            try await events.close()
            try await client.close()
        }
    }

    @Test func closingTheStreamEndsIterationWithoutAnError() async throws {
        try await TestBroker.run { broker in
            let client = try await broker.connect()
            let events = try await client.events()
            try await events.close()
            let received = try await deadline(.seconds(10), "the stream to end") {
                var count = 0
                for try await _ in events { count += 1 }
                return count
            }
            #expect(received == 0)
            try await client.ping()
            try await client.close()
        }
    }

    @Test func theStreamThrowsWhenTheBrokerGoesAway() async throws {
        let events = try await TestBroker.run { broker in
            let client = try await broker.connect()
            let events = try await client.events()
            try await client.close()
            return events
        }
        let error = await clientError {
            try await deadline(.seconds(10), "the stream to end") {
                for try await _ in events {}
            }
        }
        #expect(error?.code == .connectionClosed)
    }
}
