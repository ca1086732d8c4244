import MailTimeJSON

/// One configuration key of `mailtimed`: its name in each source, its type and range, its default and
/// what it means. ``all`` is the one list the daemon reads and checks the flags, the environment and the
/// configuration file against, and prints in `--help` and `--print-config`.
struct SettingDefinition: Sendable {
    /// The values a setting takes.
    enum Kind: Sendable, Equatable {
        /// Any text.
        case text
        /// A whole number within the range.
        case integer(ClosedRange<Int>)
        /// `true` or `false`.
        case boolean
        /// A list of texts (repeat the flag, or separate the values with `,`).
        case list
        /// One of the words.
        case choice([String])
    }

    /// The key as the configuration file nests it, dot-separated: `listen.port`.
    let key: String
    let kind: Kind
    /// The value when no source sets the key; nil when the key is unset by default.
    let defaultValue: SettingValue?
    /// What happens when the key is unset and has no default value, for `--help` (e.g. "none: no metrics").
    let unsetMeaning: String
    /// One sentence for `--help` and the README.
    let summary: String
    /// Whether `--print-config` hides the value.
    let isSecret: Bool

    init(
        _ key: String,
        _ kind: Kind,
        default defaultValue: SettingValue? = nil,
        unset unsetMeaning: String = "none",
        secret isSecret: Bool = false,
        _ summary: String
    ) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.unsetMeaning = unsetMeaning
        self.summary = summary
        self.isSecret = isSecret
    }

    /// The command-line flag: `--listen-port`.
    var flag: String { "--" + key.replacingOccurrences(of: ".", with: "-") }

    /// The environment variable: `MAILTIME_LISTEN_PORT`.
    var environmentVariable: String {
        "MAILTIME_" + String(key.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    /// The type as `--help` and the README show it: `integer 1-65536`.
    var typeDescription: String {
        switch kind {
        case .text: "text"
        case .integer(let range): "integer \(range.lowerBound)-\(range.upperBound)"
        case .boolean: "boolean"
        case .list: "list"
        case .choice(let words): words.joined(separator: "/")
        }
    }

    /// The default as `--help` and the README show it.
    var defaultDescription: String {
        defaultValue?.description ?? unsetMeaning
    }

    /// What a value must be, for error messages: `an integer from 1 to 65536`.
    var expectation: String {
        switch kind {
        case .text: "a text"
        case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .boolean: "true or false"
        case .list: "a list of texts"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        }
    }

    /// The value of command-line or environment `texts` (a list's values are also split at `,`);
    /// `origin` names where they come from in the error.
    func value(fromTexts texts: [String], origin: String) throws(DaemonFailure) -> SettingValue {
        if case .list = kind {
            return .list(texts.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
        }
        if case .boolean = kind, texts.isEmpty {
            return .boolean(true)
        }
        guard texts.count == 1, let text = texts.first else {
            throw .configuration("\(origin) takes one value (\(expectation)), not \(texts.count)")
        }
        switch kind {
        case .text:
            return .text(text)
        case .integer(let range):
            guard let integer = Int(text), text.allSatisfy({ $0.isASCII }) else {
                throw .configuration("\(origin): expected \(expectation), not \"\(text)\"")
            }
            return try checked(integer, in: range, origin: origin)
        case .boolean:
            switch text {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw .configuration("\(origin): expected \(expectation), not \"\(text)\"")
            }
        case .choice(let words):
            guard words.contains(text) else { throw .configuration("\(origin): expected \(expectation), not \"\(text)\"") }
            return .text(text)
        case .list:
            preconditionFailure("handled above")
        }
    }

    /// The value of `json` from the configuration file; nil for `null`, which leaves the default.
    func value(fromJSON json: JSONValue, origin: String) throws(DaemonFailure) -> SettingValue? {
        if case .null = json { return nil }
        func mismatch() -> DaemonFailure {
            let shown: String
            switch json {
            case .string(let text): shown = "the string \"\(text)\""
            case .number(let text): shown = "the number \(text)"
            default: shown = json.typeName
            }
            return .configuration("\(origin): expected \(expectation), not \(shown)")
        }
        switch kind {
        case .text:
            guard let text = json.stringValue else { throw mismatch() }
            return .text(text)
        case .integer(let range):
            guard let integer = json.integerValue.flatMap({ Int(exactly: $0) }) else { throw mismatch() }
            return try checked(integer, in: range, origin: origin)
        case .boolean:
            guard let flag = json.boolValue else { throw mismatch() }
            return .boolean(flag)
        case .choice(let words):
            guard let text = json.stringValue, words.contains(text) else { throw mismatch() }
            return .text(text)
        case .list:
            if let text = json.stringValue { return .list([text]) }
            guard let elements = json.arrayValue else { throw mismatch() }
            var texts: [String] = []
            for element in elements {
                guard let text = element.stringValue else { throw mismatch() }
                texts.append(text)
            }
            return .list(texts)
        }
    }

    private func checked(_ integer: Int, in range: ClosedRange<Int>, origin: String) throws(DaemonFailure) -> SettingValue {
        guard range.contains(integer) else {
            throw .configuration("\(origin): \(integer) is out of range; expected \(expectation)")
        }
        return .integer(integer)
    }
}

/// A setting's value, as read from a source or as its default.
enum SettingValue: Hashable, Sendable, CustomStringConvertible {
    case text(String)
    case integer(Int)
    case boolean(Bool)
    case list([String])

    var description: String {
        switch self {
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .boolean(let flag): String(flag)
        case .list(let texts): texts.isEmpty ? "none" : texts.joined(separator: ",")
        }
    }
}
