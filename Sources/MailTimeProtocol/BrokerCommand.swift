import NIOCore

/// A request of the MailTime protocol, parsed from its line (and payload, for `SEND`).
///
/// Arguments are checked for form here (counts, numbers, ranges the protocol fixes); ids and JSON
/// are checked by whoever executes the command.
public enum BrokerCommand: Equatable, Sendable {
    case ping
    case auth(token: String)
    case send(payload: ByteBuffer)
    case cancel(id: String)
    case status(id: String)
    case stats
    case list(state: String, after: String?, limit: Int)
    case requeue(target: RequeueTarget)
    case pause
    case resume
    case events
    case quit
    case lease(maximum: Int, visibilitySeconds: Int)
    case complete(id: String, token: UInt64, results: String?)
    case retry(id: String, token: UInt64, report: String)
    case fail(id: String, token: UInt64, report: String)
    case touch(id: String, token: UInt64, seconds: Int)

    /// What `REQUEUE` names.
    public enum RequeueTarget: Equatable, Sendable {
        case id(String)
        case allFailed
    }

    /// The command word, upper-case.
    public var name: String {
        switch self {
        case .ping: "PING"
        case .auth: "AUTH"
        case .send: "SEND"
        case .cancel: "CANCEL"
        case .status: "STATUS"
        case .stats: "STATS"
        case .list: "LIST"
        case .requeue: "REQUEUE"
        case .pause: "PAUSE"
        case .resume: "RESUME"
        case .events: "EVENTS"
        case .quit: "QUIT"
        case .lease: "LEASE"
        case .complete: "COMPLETE"
        case .retry: "RETRY"
        case .fail: "FAIL"
        case .touch: "TOUCH"
        }
    }

    /// Parses a request line (without CRLF); `payload` is the bytes that followed a `SEND` line.
    public init(line: String, payload: ByteBuffer? = nil) throws(ProtocolError) {
        var arguments = line.split(separator: " ", omittingEmptySubsequences: true)
        guard !arguments.isEmpty else {
            throw ProtocolError(.unknownCommand, "empty request line")
        }
        let word = arguments.removeFirst().uppercased()
        let parser = ArgumentParser(command: word, arguments: arguments)
        switch word {
        case "PING":
            try parser.expect(count: 0)
            self = .ping
        case "AUTH":
            try parser.expect(count: 1, usage: "AUTH <token>")
            self = .auth(token: String(arguments[0]))
        case "SEND":
            try parser.expect(count: 1, usage: "SEND <bytes>")
            guard let payload else {
                throw ProtocolError(.badArguments, "SEND takes the payload's size in bytes: SEND <bytes>")
            }
            self = .send(payload: payload)
        case "CANCEL":
            try parser.expect(count: 1, usage: "CANCEL <id>")
            self = .cancel(id: String(arguments[0]))
        case "STATUS":
            try parser.expect(count: 1, usage: "STATUS <id>")
            self = .status(id: String(arguments[0]))
        case "STATS":
            try parser.expect(count: 0)
            self = .stats
        case "LIST":
            try parser.expect(count: 1...3, usage: "LIST <state> [after-id|-] [limit]")
            let after = arguments.count > 1 && arguments[1] != "-" ? String(arguments[1]) : nil
            let limit = arguments.count > 2 ? try parser.integer(at: 2, in: 1...1000, name: "limit") : 100
            self = .list(state: String(arguments[0]).lowercased(), after: after, limit: limit)
        case "REQUEUE":
            try parser.expect(count: 1, usage: "REQUEUE <id>|FAILED")
            self = .requeue(target: arguments[0].uppercased() == "FAILED" ? .allFailed : .id(String(arguments[0])))
        case "PAUSE":
            try parser.expect(count: 0)
            self = .pause
        case "RESUME":
            try parser.expect(count: 0)
            self = .resume
        case "EVENTS":
            try parser.expect(count: 0)
            self = .events
        case "QUIT":
            try parser.expect(count: 0)
            self = .quit
        case "LEASE":
            try parser.expect(count: 2, usage: "LEASE <max> <visibility-seconds>")
            self = .lease(
                maximum: try parser.integer(at: 0, in: 1...1000, name: "max"),
                visibilitySeconds: try parser.integer(at: 1, in: 1...3600, name: "visibility-seconds")
            )
        case "COMPLETE":
            let rest = try parser.idTokenAndRest(usage: "COMPLETE <id> <token> [results-json]", restRequired: false, line: line)
            self = .complete(id: rest.id, token: rest.token, results: rest.rest)
        case "RETRY":
            let rest = try parser.idTokenAndRest(usage: "RETRY <id> <token> <json>", restRequired: true, line: line)
            self = .retry(id: rest.id, token: rest.token, report: rest.rest!)
        case "FAIL":
            let rest = try parser.idTokenAndRest(usage: "FAIL <id> <token> <json>", restRequired: true, line: line)
            self = .fail(id: rest.id, token: rest.token, report: rest.rest!)
        case "TOUCH":
            try parser.expect(count: 3, usage: "TOUCH <id> <token> <seconds>")
            self = .touch(
                id: String(arguments[0]),
                token: try parser.token(at: 1),
                seconds: try parser.integer(at: 2, in: 1...3600, name: "seconds")
            )
        default:
            let shown = word.count > 32 ? String(word.prefix(32)) + "…" : word
            throw ProtocolError(.unknownCommand, "unknown command \(shown)")
        }
    }
}

/// Checks a command's arguments and turns them into values.
private struct ArgumentParser {
    let command: String
    let arguments: [Substring]

    func expect(count: Int, usage: String? = nil) throws(ProtocolError) {
        try expect(count: count...count, usage: usage)
    }

    func expect(count: ClosedRange<Int>, usage: String? = nil) throws(ProtocolError) {
        guard count.contains(arguments.count) else {
            let expected = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            let noun = count.upperBound == 1 ? "argument" : "arguments"
            throw ProtocolError(
                .badArguments,
                "\(command) takes \(expected) \(noun), not \(arguments.count)" + (usage.map { ": \($0)" } ?? "")
            )
        }
    }

    func integer(at index: Int, in range: ClosedRange<Int>, name: String) throws(ProtocolError) -> Int {
        guard let value = Int(arguments[index]) else {
            throw ProtocolError(.badArguments, "\(name) must be a whole number, not \(arguments[index])")
        }
        guard range.contains(value) else {
            throw ProtocolError(.invalidArgument, "\(name) must be \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return value
    }

    func token(at index: Int) throws(ProtocolError) -> UInt64 {
        guard let token = UInt64(arguments[index]) else {
            throw ProtocolError(.badArguments, "the token must be a decimal number, not \(arguments[index])")
        }
        return token
    }

    /// `<id> <token>` followed by the rest of the line, taken whole (it is JSON and may hold spaces).
    func idTokenAndRest(usage: String, restRequired: Bool, line: String) throws(ProtocolError) -> (id: String, token: UInt64, rest: String?) {
        guard arguments.count >= (restRequired ? 3 : 2) else {
            throw ProtocolError(.badArguments, "\(command) takes more arguments: \(usage)")
        }
        let token = try token(at: 1)
        var rest: String?
        if arguments.count > 2 {
            // From the start of the third argument to the end of the line.
            rest = String(line[arguments[2].startIndex...])
        }
        return (String(arguments[0]), token, rest)
    }
}
