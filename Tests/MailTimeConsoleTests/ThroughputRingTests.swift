import MailTimeConsole
import Testing

@Suite("Throughput ring")
struct ThroughputRingTests {
    static let hour: Int64 = 1_765_000_800_000  // a minute's start

    @Test("counts each kind in its minute and fills quiet minutes with zeros")
    func counts() {
        var ring = ThroughputRing()
        ring.record(.sent, at: Self.hour + 1_000)
        ring.record(.sent, at: Self.hour + 59_999)
        ring.record(.failed, at: Self.hour + 30_000)
        ring.record(.deferred, at: Self.hour + 60_000)
        let series = ring.series(now: Self.hour + 60_500)
        #expect(series.count == 60)
        #expect(series.last == ThroughputRing.Minute(start: Self.hour + 60_000, sent: 0, deferred: 1, failed: 0))
        #expect(series[58] == ThroughputRing.Minute(start: Self.hour, sent: 2, deferred: 0, failed: 1))
        #expect(series[0].start == Self.hour + 60_000 - 59 * 60_000)
        #expect(series.dropLast(2).allSatisfy { $0.sent == 0 && $0.deferred == 0 && $0.failed == 0 })
    }

    @Test("a minute an hour old is forgotten, and an event older than its slot is not counted")
    func wrapsAround() {
        var ring = ThroughputRing()
        ring.record(.sent, at: Self.hour)
        ring.record(.failed, at: Self.hour + 60 * 60_000)  // the same slot, an hour later
        ring.record(.sent, at: Self.hour + 5)  // late: its slot now holds a later minute
        let series = ring.series(now: Self.hour + 60 * 60_000)
        #expect(series.last == ThroughputRing.Minute(start: Self.hour + 60 * 60_000, sent: 0, deferred: 0, failed: 1))
        #expect(series.map(\.sent).reduce(0, +) == 0)
        // Two hours later everything has aged out.
        #expect(ring.series(now: Self.hour + 180 * 60_000).allSatisfy { $0.failed == 0 })
    }
}
