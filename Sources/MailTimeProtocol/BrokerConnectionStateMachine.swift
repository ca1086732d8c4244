/// The life of one broker connection as a pure state machine: which requests are unanswered,
/// when to stop reading and when to read again (protocol.md, section 3), draining for shutdown,
/// and closing. The channel handler tells it what happened and does what it returns; what each
/// request means is ``BrokerSessionStateMachine``'s business.
///
/// ```
///           ┌──────────── reply closing the session, idle, error, refusal ───────────┐
///           │                                                                        ▼
/// open(reading) ⇄ open(readingPaused) ──shutdown──► draining ──last reply out──► closed
///      over a limit / replies written
/// ```
///
/// A request is unanswered from ``reserveReply()`` until its reply has been written to the socket
/// (``repliesWritten(_:bytes:)``); replies leave in request order. The connection stops reading,
/// and holds the requests it has already read without handling them, while any of these holds:
/// ``maximumInFlight`` requests are unanswered; its replies not yet written take
/// ``maximumUnwrittenReplyBytes`` or more; the broker's total of unwritten reply bytes is over its
/// budget (``totalBudgetExceeded()``) and this connection has replies unwritten. Event lines of an
/// `EVENTS` stream are counted until they are written (``eventWritten()``), and past
/// ``maximumUnwrittenEvents`` the oldest are dropped.
public struct BrokerConnectionStateMachine: Sendable {
    /// Where the connection is.
    public enum State: Equatable, Sendable {
        /// Taking requests; `readingPaused` once a read was withheld because a limit was reached.
        case open(readingPaused: Bool)
        /// Shutting down: no more requests are read, and the connection closes once every
        /// request read so far is answered.
        case draining
        /// Closing or closed: nothing more is read or written.
        case closed
    }

    /// What to do once the TLS handshake is done.
    public enum HandshakeAction: Equatable, Sendable {
        /// Send the greeting.
        case greet
        /// Send `ERR TOO_MANY_CONNECTIONS` and close.
        case refuseAndClose
    }

    /// What to do with a request the decoder just read.
    public enum RequestAction: Equatable, Sendable {
        /// Handle it now.
        case handle
        /// Keep it, unhandled, until ``takeHeldRequest()`` lets it through: a limit is reached.
        case hold
        /// Drop it unanswered: the connection is draining or closed.
        case drop
    }

    /// What to do with replies that are ready.
    public enum ReplyAction: Equatable, Sendable {
        /// Write them (they may wait for the end of the event-loop turn, to go out together), and
        /// report them with ``repliesWritten(_:bytes:)`` once written.
        case write([BrokerReply])
        /// Write them, flush, then close.
        case writeAndClose([BrokerReply])
    }

    /// What to do when the channel asks to read.
    public enum ReadAction: Equatable, Sendable {
        case read
        /// Do not read; the machine says when to read again.
        case withhold
        /// Do not read, and ask to be told when the broker's total of unwritten reply bytes is
        /// back within its budget (``totalBudgetRecovered()``).
        case withholdUntilTotalBudgetRecovers
    }

    /// What to do when the connection is back within its limits.
    public enum ResumeAction: Equatable, Sendable {
        /// Handle the held requests (``takeHeldRequest()``), then read again (``resumeReading()``).
        case resume
    }

    /// Close the connection (after writing what is already on its way).
    public enum CloseAction: Equatable, Sendable {
        case close
    }

    /// What to do with a queue event for an `EVENTS` stream.
    public enum EventAction: Equatable, Sendable {
        /// Write the event, preceded by an overflow line when `lostBefore` events were dropped.
        case write(lostBefore: Int)
    }

    /// The most event lines waiting to be written to a slow subscriber before new ones are dropped.
    public static let maximumUnwrittenEvents = 10_000
    /// The default of ``maximumUnwrittenReplyBytes``: 256 KiB.
    public static let defaultMaximumUnwrittenReplyBytes = 256 * 1024

    public private(set) var state = State.open(readingPaused: false)
    /// The most unanswered requests before the connection stops reading.
    public let maximumInFlight: Int
    /// The reply bytes not yet written at which the connection stops reading.
    public let maximumUnwrittenReplyBytes: Int
    private var replies = ReplySequencer()
    /// Replies handed out for writing whose write has not completed.
    private var unwrittenReplies = 0
    /// Their size in bytes.
    public private(set) var unwrittenReplyBytes = 0
    /// Requests read and held, not handled, because a limit was reached.
    public private(set) var heldRequests = 0
    private var overTotalBudget = false
    private var streamsEvents = false
    private var unwrittenEvents = 0
    private var lostEvents = 0

    /// A connection that handles no more than `maximumInFlight` unanswered requests, and stops
    /// reading while `maximumUnwrittenReplyBytes` or more of its replies are not yet written.
    public init(maximumInFlight: Int, maximumUnwrittenReplyBytes: Int = Self.defaultMaximumUnwrittenReplyBytes) {
        self.maximumInFlight = maximumInFlight
        self.maximumUnwrittenReplyBytes = maximumUnwrittenReplyBytes
    }

    /// Requests handled and whose replies are not written yet.
    public var unanswered: Int { replies.unanswered + unwrittenReplies }

    /// Whether a request that arrives now is to be handled or held; when not, it is dropped unanswered.
    public var acceptsRequests: Bool {
        if case .open = state { return true }
        return false
    }

    /// Whether the connection is within every limit: it may handle a request and read more.
    private var withinLimits: Bool {
        unanswered < maximumInFlight && unwrittenReplyBytes < maximumUnwrittenReplyBytes
            && !(overTotalBudget && unwrittenReplyBytes > 0)
    }

    /// The TLS handshake finished; `admitted` says whether the connection is within the limit.
    public mutating func handshakeCompleted(admitted: Bool) -> HandshakeAction? {
        guard state != .closed else { return nil }
        guard admitted else {
            state = .closed
            return .refuseAndClose
        }
        return .greet
    }

    /// The decoder read a request: handle it now, hold it until the connection is within its
    /// limits again (behind the requests already held), or drop it.
    public mutating func requestArrived() -> RequestAction {
        guard case .open = state else { return .drop }
        guard heldRequests == 0, withinLimits else {
            heldRequests += 1
            return .hold
        }
        return .handle
    }

    /// Whether the oldest held request is to be handled now; each `true` takes one out.
    public mutating func takeHeldRequest() -> Bool {
        guard case .open = state, heldRequests > 0, withinLimits else { return false }
        heldRequests -= 1
        return true
    }

    /// A place in line for the reply to a request about to be handled; fill it with
    /// ``replyReady(_:at:closeAfter:)``.
    public mutating func reserveReply() -> Int {
        replies.reserve()
    }

    /// The reply for `place` is ready; `closeAfter` closes the connection once it is written.
    /// Returns the replies that may be written now, in request order; they stay unanswered
    /// until ``repliesWritten(_:bytes:)``.
    public mutating func replyReady(_ reply: BrokerReply, at place: Int, closeAfter: Bool = false) -> ReplyAction? {
        let ready = replies.fill(place, with: reply, closeAfter: closeAfter)
        guard !ready.isEmpty else { return nil }
        let lines = ready.map(\.reply)
        switch state {
        case .closed:
            return nil
        case .draining:
            guard ready.last!.closeAfter || replies.unanswered == 0 else { return written(lines) }
            state = .closed
            return .writeAndClose(lines)
        case .open:
            if ready.last!.closeAfter {
                state = .closed
                return .writeAndClose(lines)
            }
            return written(lines)
        }
    }

    /// Counts `lines` as handed out for writing.
    private mutating func written(_ lines: [BrokerReply]) -> ReplyAction {
        unwrittenReplies += lines.count
        unwrittenReplyBytes += lines.reduce(0) { $0 + $1.encodedByteCount }
        return .write(lines)
    }

    /// `count` replies of `bytes` bytes (their ``BrokerReply/encodedByteCount``), handed out by
    /// ``replyReady(_:at:closeAfter:)``, were written to the socket (or failed to be).
    public mutating func repliesWritten(_ count: Int, bytes: Int) -> ResumeAction? {
        unwrittenReplies -= count
        unwrittenReplyBytes -= bytes
        return resumeIfWithinLimits()
    }

    /// The broker's total of unwritten reply bytes is over its budget: while this connection has
    /// replies unwritten, it stops reading.
    public mutating func totalBudgetExceeded() {
        overTotalBudget = true
    }

    /// The broker's total of unwritten reply bytes is back within its budget.
    public mutating func totalBudgetRecovered() -> ResumeAction? {
        overTotalBudget = false
        return resumeIfWithinLimits()
    }

    private func resumeIfWithinLimits() -> ResumeAction? {
        guard state == .open(readingPaused: true) || (acceptsRequests && heldRequests > 0), withinLimits else { return nil }
        return .resume
    }

    /// The channel asks to read more.
    public mutating func read() -> ReadAction {
        switch state {
        case .open:
            guard heldRequests == 0, withinLimits else {
                state = .open(readingPaused: true)
                return overTotalBudget && unwrittenReplyBytes > 0 ? .withholdUntilTotalBudgetRecovers : .withhold
            }
            return .read
        case .draining, .closed:
            return .withhold
        }
    }

    /// After ``ResumeAction/resume`` and the held requests: whether to read again now (reading
    /// was withheld and the connection is within its limits, with nothing held).
    public mutating func resumeReading() -> ReadAction? {
        guard state == .open(readingPaused: true) else { return nil }
        guard heldRequests == 0, withinLimits else { return nil }
        state = .open(readingPaused: false)
        return .read
    }

    /// The connection saw no request for the idle timeout: it closes when no reply is being
    /// produced and it does not stream events.
    public mutating func idleTimeoutReached() -> CloseAction? {
        guard state != .closed, replies.unanswered == 0, !streamsEvents else { return nil }
        state = .closed
        return .close
    }

    /// The broker shuts down: stop reading, drop the held requests, answer what is in flight, then close.
    public mutating func shutdownRequested() -> CloseAction? {
        guard case .open = state else { return nil }
        heldRequests = 0
        guard replies.unanswered == 0 else {
            state = .draining
            return nil
        }
        state = .closed
        return .close
    }

    /// The channel failed.
    public mutating func errorCaught() -> CloseAction? {
        guard state != .closed else { return nil }
        state = .closed
        return .close
    }

    /// The connection now streams events (`EVENTS`): idleness no longer closes it.
    public mutating func eventsStarted() {
        streamsEvents = true
    }

    /// A queue event arrived for the stream; `nil` when it is dropped (too many are unwritten)
    /// or the connection is closed.
    public mutating func eventArrived() -> EventAction? {
        guard state != .closed else { return nil }
        guard unwrittenEvents < Self.maximumUnwrittenEvents else {
            lostEvents += 1
            return nil
        }
        defer { lostEvents = 0 }
        unwrittenEvents += 1
        return .write(lostBefore: lostEvents)
    }

    /// An event line written by ``eventArrived()`` reached the socket (or failed to).
    public mutating func eventWritten() {
        unwrittenEvents -= 1
    }
}
