/// The life of one broker connection as a pure state machine: which requests are unanswered,
/// when to stop reading and when to read again (protocol.md, section 3), draining for shutdown,
/// and closing. The channel handler tells it what happened and does what it returns; what each
/// request means is ``BrokerSessionStateMachine``'s business.
///
/// ```
///           ┌──────────── reply closing the session, idle, error, refusal ───────────┐
///           │                                                                        ▼
/// open(reading) ⇄ open(readingPaused) ──shutdown──► draining ──last reply out──► closed
///      max_inflight unanswered / fewer
/// ```
///
/// A request is unanswered from ``reserveReply()`` until its reply leaves the line in
/// ``replyReady(_:at:closeAfter:)``; replies leave in request order. Event lines of an `EVENTS`
/// stream are counted until they are written (``eventWritten()``), and past
/// ``maximumUnwrittenEvents`` the oldest are dropped.
public struct BrokerConnectionStateMachine: Sendable {
    /// Where the connection is.
    public enum State: Equatable, Sendable {
        /// Taking requests; `readingPaused` once `max_inflight` are unanswered and reading was withheld.
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

    /// What to do with replies that are ready.
    public enum ReplyAction: Equatable, Sendable {
        /// Write them (they may wait for the end of the event-loop turn, to go out together).
        case write([BrokerReply])
        /// Write them and read again: fewer than `max_inflight` requests are unanswered now.
        case writeAndResumeReading([BrokerReply])
        /// Write them, flush, then close.
        case writeAndClose([BrokerReply])
    }

    /// What to do when the channel asks to read.
    public enum ReadAction: Equatable, Sendable {
        case read
        /// Do not read; the machine says when to read again.
        case withhold
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

    public private(set) var state = State.open(readingPaused: false)
    private let maximumInFlight: Int
    private var replies = ReplySequencer()
    private var streamsEvents = false
    private var unwrittenEvents = 0
    private var lostEvents = 0

    /// A connection that reads no more than `maximumInFlight` unanswered requests.
    public init(maximumInFlight: Int) {
        self.maximumInFlight = maximumInFlight
    }

    /// Requests read and not answered yet.
    public var unanswered: Int { replies.unanswered }

    /// Whether a request that arrives now is to be handled; when not, it is dropped unanswered.
    public var acceptsRequests: Bool {
        if case .open = state { return true }
        return false
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

    /// A place in line for the reply to a request just read; fill it with
    /// ``replyReady(_:at:closeAfter:)``.
    public mutating func reserveReply() -> Int {
        replies.reserve()
    }

    /// The reply for `place` is ready; `closeAfter` closes the connection once it is written.
    /// Returns the replies that may be written now, in request order.
    public mutating func replyReady(_ reply: BrokerReply, at place: Int, closeAfter: Bool = false) -> ReplyAction? {
        let ready = replies.fill(place, with: reply, closeAfter: closeAfter)
        guard !ready.isEmpty else { return nil }
        let lines = ready.map(\.reply)
        switch state {
        case .closed:
            return nil
        case .draining:
            guard ready.last!.closeAfter || replies.unanswered == 0 else { return .write(lines) }
            state = .closed
            return .writeAndClose(lines)
        case .open(let readingPaused):
            if ready.last!.closeAfter {
                state = .closed
                return .writeAndClose(lines)
            }
            guard readingPaused, replies.unanswered < maximumInFlight else { return .write(lines) }
            state = .open(readingPaused: false)
            return .writeAndResumeReading(lines)
        }
    }

    /// The channel asks to read more.
    public mutating func read() -> ReadAction {
        switch state {
        case .open:
            guard replies.unanswered < maximumInFlight else {
                state = .open(readingPaused: true)
                return .withhold
            }
            return .read
        case .draining, .closed:
            return .withhold
        }
    }

    /// The connection saw no request for the idle timeout: it closes when nothing is in flight
    /// and it does not stream events.
    public mutating func idleTimeoutReached() -> CloseAction? {
        guard state != .closed, replies.unanswered == 0, !streamsEvents else { return nil }
        state = .closed
        return .close
    }

    /// The broker shuts down: stop reading, answer what is in flight, then close.
    public mutating func shutdownRequested() -> CloseAction? {
        guard case .open = state else { return nil }
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
