import MailTimeProtocol
import NIOCore
import NIOEmbedded

extension FuzzTarget {
    /// ``BrokerRequestDecoder`` on any bytes from a client, then its frames through
    /// ``BrokerSessionStateMachine`` and ``BrokerConnectionStateMachine`` as the broker's connection
    /// handler drives them. The first byte sets the schedule (piece size, in-flight limit, order of
    /// completions, a shutdown half-way); the rest is what the client sent.
    ///
    /// Checked: the frames are the same whether the bytes arrive at once or in pieces; a payload
    /// follows only a `SEND <bytes>` line and has that many bytes; nothing follows a fatal frame;
    /// a command runs only with a role that permits it; replies leave in request order, never more
    /// than the in-flight limit are unanswered, and reading never stops for good: once every
    /// command has finished and every write completed, every request read is answered.
    static let brokerRequest = FuzzTarget(
        name: "broker-request",
        summary: "BrokerRequestDecoder with the session and connection state machines, fed any client bytes"
    ) { input in
        guard let schedule = input.first else { return }
        let bytes = Array(input.dropFirst())
        let pieceSize = 1 + Int(schedule & 0x0F)
        let frames = BrokerRequestFuzzing.frames(bytes, pieceSize: bytes.count)
        precondition(
            BrokerRequestFuzzing.frames(bytes, pieceSize: pieceSize) == frames,
            "the frames differ when the bytes arrive \(pieceSize) at a time"
        )
        BrokerRequestFuzzing.checkFrames(frames)
        var model = BrokerConnectionModel(
            maximumInFlight: 1 + Int(schedule >> 4 & 0x03),
            completesNewestFirst: schedule & 0x40 != 0
        )
        model.run(frames, readSize: pieceSize, shutdownHalfway: schedule & 0x80 != 0)
    }
}

enum BrokerRequestFuzzing {
    static let maximumLineLength = 200
    static let maximumPayloadSize = 300

    /// The frames the decoder makes of `bytes` given `pieceSize` at a time, then the end of the stream.
    static func frames(_ bytes: [UInt8], pieceSize: Int) -> [BrokerFrame] {
        let decoder = BrokerRequestDecoder(maximumLineLength: maximumLineLength, maximumPayloadSize: maximumPayloadSize)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        var frames: [BrokerFrame] = []
        func collect() {
            while let frame = try! channel.readInbound(as: BrokerFrame.self) { frames.append(frame) }
        }
        var start = 0
        while start < bytes.count {
            let end = min(start + max(pieceSize, 1), bytes.count)
            try! channel.writeInbound(ByteBuffer(bytes: bytes[start..<end]))
            collect()
            start = end
        }
        // The end of the stream: the decoder reads what is left.
        channel.close(promise: nil)
        collect()
        return frames
    }

    static func checkFrames(_ frames: [BrokerFrame]) {
        for (index, frame) in frames.enumerated() {
            switch frame {
            case .request(let line, let payload):
                // A line ends at LF with one CR before it dropped (protocol.md, section 2): any other CR stays in the
                // line, for the command parser to refuse as a control character.
                precondition(!line.utf8.contains(UInt8(ascii: "\n")), "a line keeps its line break: \(line.debugDescription)")
                let words = line.split(separator: " ")
                let announced = words.count == 2 && words[0].uppercased() == "SEND" ? Int(words[1]).flatMap { $0 >= 0 ? $0 : nil } : nil
                precondition(payload?.readableBytes == announced, "a payload of \(payload?.readableBytes ?? -1) bytes after \(line.debugDescription)")
                if let payload { precondition(payload.readableBytes <= maximumPayloadSize, "a payload over the maximum") }
            case .rejected(_, let fatal):
                precondition(!fatal || index == frames.count - 1, "a frame after a fatal one")
            }
        }
    }
}

/// The broker's connection handler without the channel: it feeds frames to the session and the
/// connection state machines, runs commands and completes writes later (in order or newest first),
/// and checks what the machines do.
struct BrokerConnectionModel {
    private var session = BrokerSessionStateMachine()
    private var connection: BrokerConnectionStateMachine
    private let completesNewestFirst: Bool
    /// Requests held by the connection, oldest first.
    private var held: [BrokerFrame] = []
    /// Commands running: their place in line.
    private var running: [Int] = []
    /// Replies handed out for writing whose write has not completed: count and bytes per write.
    private var writing: [(count: Int, bytes: Int)] = []
    /// Replies not yet handed out, by place.
    private var expected: [Int: BrokerReply] = [:]
    /// The next place whose reply is to be handed out.
    private var nextPlace = 0
    private var closed = false

    init(maximumInFlight: Int, completesNewestFirst: Bool) {
        self.connection = BrokerConnectionStateMachine(maximumInFlight: maximumInFlight, maximumUnwrittenReplyBytes: 128)
        self.completesNewestFirst = completesNewestFirst
    }

    static func role(of token: String) -> BrokerRole? {
        switch token {
        case "admin-token": .admin
        case "producer-token": .producer
        case "worker-token": .worker
        default: nil
        }
    }

    /// Delivers `frames` `readSize` at a time, each group when the connection reads, then lets
    /// everything finish.
    mutating func run(_ frames: [BrokerFrame], readSize: Int, shutdownHalfway: Bool) {
        precondition(connection.handshakeCompleted(admitted: true) == .greet, "an admitted connection is not greeted")
        var next = 0
        while next < frames.count && !closed {
            if shutdownHalfway && next >= frames.count / 2 && connection.acceptsRequests {
                if connection.shutdownRequested() == .close { closed = true }
                held.removeAll()
                continue
            }
            guard connection.acceptsRequests else { break }
            if connection.read() == .read {
                for frame in frames[next..<min(next + readSize, frames.count)] where !closed {
                    arrive(frame)
                }
                next += readSize
            } else {
                precondition(progress(), "the connection stopped reading with nothing left to finish")
            }
            check()
        }
        while !closed && progress() { check() }
        if !closed && connection.acceptsRequests {
            precondition(held.isEmpty && connection.heldRequests == 0, "requests are held with nothing left to finish")
            precondition(connection.unanswered == 0, "\(connection.unanswered) requests are unanswered with nothing left to finish")
            precondition(connection.read() == .read, "the connection does not read with nothing left to finish")
        }
    }

    private mutating func arrive(_ frame: BrokerFrame) {
        switch connection.requestArrived() {
        case .handle: perform(session.received(frame))
        case .hold: held.append(frame)
        case .drop: break
        }
    }

    /// Finishes one running command or one write; `false` when nothing is left to finish.
    private mutating func progress() -> Bool {
        if !running.isEmpty {
            let place = completesNewestFirst ? running.removeLast() : running.removeFirst()
            replyReady(.ok("done \(place)"), at: place)
            return true
        }
        guard !writing.isEmpty else { return false }
        let write = writing.removeFirst()
        if connection.repliesWritten(write.count, bytes: write.bytes) == .resume {
            while connection.takeHeldRequest() {
                precondition(!held.isEmpty, "the connection lets out a request that is not held")
                perform(session.received(held.removeFirst()))
            }
            _ = connection.resumeReading()
        }
        return true
    }

    private mutating func perform(_ action: BrokerSessionStateMachine.Action) {
        switch action {
        case .ignore:
            break
        case .reply(let reply):
            replyReady(reply, at: connection.reserveReply())
        case .replyAndClose(let reply), .delayReplyAndClose(let reply):
            precondition(session.state == .closed, "the session closes the connection but is not closed")
            replyReady(reply, at: connection.reserveReply(), closeAfter: true)
        case .verify(let token):
            perform(session.tokenVerified(Self.role(of: token)))
        case .execute(let command, let role):
            precondition(session.state == .authenticated(role), "a command runs in \(session.state)")
            precondition(role.permits(command), "\(role) may not run \(command.name)")
            running.append(connection.reserveReply())
        case .startEvents:
            precondition(session.state == .streamingEvents, "events start in \(session.state)")
            replyReady(.ok("EVENTS"), at: connection.reserveReply())
            connection.eventsStarted()
        }
    }

    private mutating func replyReady(_ reply: BrokerReply, at place: Int, closeAfter: Bool = false) {
        expected[place] = reply
        let handedOut: [BrokerReply]
        switch connection.replyReady(reply, at: place, closeAfter: closeAfter) {
        case .write(let replies):
            handedOut = replies
        case .writeAndClose(let replies):
            handedOut = replies
            closed = true
        case nil:
            return
        }
        for reply in handedOut {
            precondition(expected.removeValue(forKey: nextPlace) == reply, "a reply left out of request order")
            nextPlace += 1
        }
        if !closed {
            writing.append((handedOut.count, handedOut.reduce(0) { $0 + $1.encodedByteCount }))
        }
        for reply in handedOut {
            var buffer = ByteBuffer()
            reply.write(into: &buffer)
            precondition(buffer.readableBytes == reply.encodedByteCount, "a reply's byte count is not what it writes")
        }
    }

    private func check() {
        guard !closed, connection.acceptsRequests else { return }
        precondition(connection.unanswered <= connection.maximumInFlight, "\(connection.unanswered) requests unanswered")
        precondition(connection.unwrittenReplyBytes >= 0, "negative unwritten reply bytes")
        precondition(connection.heldRequests == held.count, "the connection counts \(connection.heldRequests) held, the handler has \(held.count)")
    }
}
