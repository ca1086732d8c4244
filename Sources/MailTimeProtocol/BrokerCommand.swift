import MailTimeModel
import NIOCore

/// A request of the MailTime protocol, parsed from its line (and payload, for `SEND <bytes>`).
///
/// The syntax is checked here (protocol.md, section 2): the command word (any case), arguments
/// separated by single spaces, numbers in the one number syntax, ids as lower-case UUIDs, state
/// names and keywords exactly as written, ranges the protocol fixes. The JSON is checked by whoever
/// executes the command.
public enum BrokerCommand: Equatable, Sendable {
    case ping
    case help
    case auth(token: String)
    case send(payload: ByteBuffer)
    case cancel(id: String)
    case status(id: String)
    case stats
    case list(state: JobState, after: String?, limit: Int)
    /// `LIST key=value …`: the emails matching `filter`.
    case search(filter: EmailFilter, after: String?, limit: Int)
    case requeue(target: RequeueTarget)
    /// `REQUEUE WHERE …`, `CANCEL WHERE …`, `PURGE WHERE …`: every email matching `filter`.
    case bulk(BulkAction, filter: EmailFilter)
    case pause
    case resume
    /// `PAUSE PROVIDER <name>`: holds one provider's circuit open.
    case pauseProvider(name: String)
    /// `RESUME PROVIDER <name>`: lets the provider be used again.
    case resumeProvider(name: String)
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
        case .help: "HELP"
        case .auth: "AUTH"
        case .send: "SEND"
        case .cancel: "CANCEL"
        case .status: "STATUS"
        case .stats: "STATS"
        case .list, .search: "LIST"
        case .requeue: "REQUEUE"
        case .bulk(let action, _): action.rawValue
        case .pause, .pauseProvider: "PAUSE"
        case .resume, .resumeProvider: "RESUME"
        case .events: "EVENTS"
        case .quit: "QUIT"
        case .lease: "LEASE"
        case .complete: "COMPLETE"
        case .retry: "RETRY"
        case .fail: "FAIL"
        case .touch: "TOUCH"
        }
    }

    /// The command word of a request line, upper-case: what comes before its first space.
    public static func word(of line: String) -> String {
        String(line.prefix { $0 != " " }).uppercased()
    }

    /// Parses a request line (without CRLF). `payload` is the bytes that followed a `SEND <bytes>`
    /// line; `SEND {…}` carries the email on the line itself.
    public init(line: String, payload: ByteBuffer? = nil) throws(ProtocolError) {
        guard line.utf8.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else {
            throw ProtocolError(.unknownCommand, "empty request line")
        }
        if let control = line.utf8.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            let shown = control == UInt8(ascii: "\t") ? "a tab" : "byte \(control)"
            throw ProtocolError(.badArguments, "a request line may not hold control characters (\(shown)); separate arguments with single spaces")
        }
        guard !line.hasPrefix(" ") else {
            throw ProtocolError(.badArguments, "a request starts with its command word, without a space before it")
        }
        let word = Self.word(of: line)
        let parser = ArgumentParser(command: word, rest: line[(line.firstIndex(of: " ") ?? line.endIndex)...])
        switch word {
        case "PING":
            try parser.none()
            self = .ping
        case "HELP":
            try parser.none()
            self = .help
        case "AUTH":
            self = .auth(token: try parser.exactly(1, usage: "AUTH <token>")[0])
        case "SEND":
            if let payload {
                self = .send(payload: payload)
            } else if let json = parser.rest.first == " " ? parser.rest.dropFirst() : nil, json.first == "{" {
                self = .send(payload: ByteBuffer(string: String(json)))
            } else {
                throw ProtocolError(.badArguments, "SEND takes the payload's size, then the payload (SEND <bytes>), or the email's JSON (SEND {…})")
            }
        case "CANCEL":
            if let filter = try Self.bulkFilter(try parser.arguments(), command: word) {
                self = .bulk(.cancel, filter: filter)
            } else {
                self = .cancel(id: try parser.id(try parser.exactly(1, usage: "CANCEL <id> | CANCEL WHERE <key=value> …")[0]))
            }
        case "STATUS":
            self = .status(id: try parser.id(try parser.exactly(1, usage: "STATUS <id>")[0]))
        case "STATS":
            try parser.none()
            self = .stats
        case "LIST":
            let words = try parser.arguments()
            if words.first?.contains("=") ?? true {
                self = try Self.search(words, parser)
                return
            }
            let arguments = try parser.words(1...3, usage: "LIST <state> [after-id|-] [limit] | LIST [key=value …]")
            guard let state = JobState(name: arguments[0]) else {
                throw ProtocolError(
                    .badArguments,
                    "unknown state \(arguments[0].prefix(32)): one of \(JobState.allCases.map(\.description).joined(separator: ", ")), in lower case"
                )
            }
            let after = arguments.count > 1 && arguments[1] != "-" ? try parser.id(arguments[1]) : nil
            let limit = arguments.count > 2 ? try parser.integer(arguments[2], in: 1...1000, name: "limit") : 100
            self = .list(state: state, after: after, limit: limit)
        case "REQUEUE":
            if let filter = try Self.bulkFilter(try parser.arguments(), command: word) {
                self = .bulk(.requeue, filter: filter)
                return
            }
            let target = try parser.exactly(1, usage: "REQUEUE <id>|FAILED | REQUEUE WHERE <key=value> …")[0]
            self = .requeue(target: target == "FAILED" ? .allFailed : .id(try parser.id(target)))
        case "PURGE":
            guard let filter = try Self.bulkFilter(try parser.arguments(), command: word) else {
                throw ProtocolError(.badArguments, "PURGE takes WHERE and its conditions: PURGE WHERE <key=value> …")
            }
            self = .bulk(.purge, filter: filter)
        case "PAUSE":
            let name = try Self.providerName(try parser.arguments(), command: word)
            self = name.map { .pauseProvider(name: $0) } ?? .pause
        case "RESUME":
            let name = try Self.providerName(try parser.arguments(), command: word)
            self = name.map { .resumeProvider(name: $0) } ?? .resume
        case "EVENTS":
            try parser.none()
            self = .events
        case "QUIT":
            try parser.none()
            self = .quit
        case "LEASE":
            let arguments = try parser.exactly(2, usage: "LEASE <max> <visibility-seconds>")
            self = .lease(
                maximum: try parser.integer(arguments[0], in: 1...1000, name: "max"),
                visibilitySeconds: try parser.integer(arguments[1], in: 1...3600, name: "visibility-seconds")
            )
        case "COMPLETE":
            let report = try parser.report(usage: "COMPLETE <id> <token> [results-json]", jsonRequired: false)
            self = .complete(id: report.id, token: report.token, results: report.json)
        case "RETRY":
            let report = try parser.report(usage: "RETRY <id> <token> <json>", jsonRequired: true)
            self = .retry(id: report.id, token: report.token, report: report.json!)
        case "FAIL":
            let report = try parser.report(usage: "FAIL <id> <token> <json>", jsonRequired: true)
            self = .fail(id: report.id, token: report.token, report: report.json!)
        case "TOUCH":
            let arguments = try parser.exactly(3, usage: "TOUCH <id> <token> <seconds>")
            self = .touch(
                id: try parser.id(arguments[0]),
                token: try parser.token(arguments[1]),
                seconds: try parser.integer(arguments[2], in: 1...3600, name: "seconds")
            )
        default:
            let shown = word.count > 32 ? String(word.prefix(32)) + "…" : word
            throw ProtocolError(.unknownCommand, "unknown command \(shown); HELP lists the commands")
        }
    }
}

/// Checks a command's arguments, the part of the line after the command word, and turns them
/// into values.
struct ArgumentParser {
    let command: String
    /// Empty, or a space followed by the arguments.
    let rest: Substring

    private static let spacing = "arguments are separated by single spaces, with none at the end of the line"

    /// The arguments, split at single spaces; the last one takes the rest of the line when
    /// `maximumSplits` is reached.
    private func split(maximumSplits: Int = .max) throws(ProtocolError) -> [String] {
        guard !rest.isEmpty else { return [] }
        let words = rest.dropFirst().split(separator: " ", maxSplits: maximumSplits, omittingEmptySubsequences: false)
        guard !words.contains(where: \.isEmpty) else { throw ProtocolError(.badArguments, "\(command): \(Self.spacing)") }
        return words.map(String.init)
    }

    /// Every argument, however many.
    func arguments() throws(ProtocolError) -> [String] {
        try split()
    }

    func none() throws(ProtocolError) {
        _ = try words(0...0, usage: nil)
    }

    func exactly(_ count: Int, usage: String) throws(ProtocolError) -> [String] {
        try words(count...count, usage: usage)
    }

    func words(_ count: ClosedRange<Int>, usage: String?) throws(ProtocolError) -> [String] {
        let arguments = try split()
        guard count.contains(arguments.count) else {
            let expected = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            let noun = count.upperBound == 1 ? "argument" : "arguments"
            throw ProtocolError(
                .badArguments,
                "\(command) takes \(expected) \(noun), not \(arguments.count)" + (usage.map { ": \($0)" } ?? "")
            )
        }
        return arguments
    }

    func integer(_ text: String, in range: ClosedRange<Int>, name: String) throws(ProtocolError) -> Int {
        guard let value = DecimalNumber.parse(text) else {
            throw ProtocolError(.badArguments, "\(name) must be digits 0-9 with no sign or leading zero, not \(text.prefix(32))")
        }
        guard value <= UInt64(range.upperBound), range.contains(Int(value)) else {
            throw ProtocolError(.invalidArgument, "\(name) must be \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return Int(value)
    }

    func token(_ text: String) throws(ProtocolError) -> UInt64 {
        guard let token = DecimalNumber.parse(text) else {
            throw ProtocolError(.badArguments, "the token must be digits 0-9 with no sign or leading zero, not \(text.prefix(32))")
        }
        return token
    }

    /// A job id: a UUID in lower-case text, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    func id(_ text: String) throws(ProtocolError) -> String {
        let utf8 = Array(text.utf8)
        var wellFormed = utf8.count == 36
        for (index, byte) in utf8.enumerated() where wellFormed {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                wellFormed = byte == UInt8(ascii: "-")
            } else {
                wellFormed = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            }
        }
        guard wellFormed else {
            throw ProtocolError(.badArguments, "\(text.prefix(64)) is not a job id (a UUID in lower-case text)")
        }
        return text
    }

    /// `<id> <token>` followed by the rest of the line, taken whole (it is JSON and may hold spaces).
    func report(usage: String, jsonRequired: Bool) throws(ProtocolError) -> (id: String, token: UInt64, json: String?) {
        let arguments = try split(maximumSplits: 2)
        guard arguments.count >= (jsonRequired ? 3 : 2) else {
            throw ProtocolError(.badArguments, "\(command) takes more arguments: \(usage)")
        }
        return (try id(arguments[0]), try token(arguments[1]), arguments.count > 2 ? arguments[2] : nil)
    }
}
