import MailTimeJSON

/// The effective configuration: for each key of ``SettingDefinition/all``, the value of the first source
/// that sets it — the command-line flags, then the environment, then the configuration file — or its
/// default.
///
/// Every source is checked whole, also where a higher one overrides it: an unknown flag or file key,
/// a value of the wrong type or out of range refuses to start (``DaemonFailure/Status/configuration``),
/// naming the key and, for a misspelt one, the nearest known name. An unknown `MAILTIME_*` environment
/// variable is only a ``warnings`` entry: the `mailtime` client and other tools share the prefix.
struct DaemonSettings: Sendable {
    /// Where an effective value comes from.
    enum Origin: String, Sendable {
        case flag, environment, file, `default`
    }

    /// The environment variables of the `mailtime` client, which the broker leaves alone.
    static let clientEnvironmentVariables: Set<String> = ["MAILTIME_URL", "MAILTIME_TOKEN", "MAILTIME_CA", "MAILTIME_FINGERPRINT"]
    /// The variable naming the configuration file (`--config`).
    static let configEnvironmentVariable = "MAILTIME_CONFIG"

    private static let definitions = Dictionary(uniqueKeysWithValues: SettingDefinition.all.map { ($0.key, $0) })

    /// The effective values by key, with where each came from; keys unset everywhere and without a
    /// default are absent.
    private(set) var values: [String: (value: SettingValue, origin: Origin)] = [:]
    /// What is worth a warning in the log but does not stop the start.
    private(set) var warnings: [String] = []

    /// Reads and checks the settings.
    /// - Parameters:
    ///   - arguments: the command line's settings, `--KEY VALUE` or `--KEY=VALUE` (a list takes several values).
    ///   - environment: the process environment.
    ///   - file: the configuration file's path and contents, if there is one.
    init(arguments: [String], environment: [String: String], file: (path: String, contents: [UInt8])?) throws(DaemonFailure) {
        for definition in SettingDefinition.all {
            if let value = definition.defaultValue { values[definition.key] = (value, .default) }
        }
        if let file {
            for (key, value) in try Self.fileValues(file.contents, path: file.path) { values[key] = (value, .file) }
        }
        for (key, value) in try Self.environmentValues(environment, warnings: &warnings) { values[key] = (value, .environment) }
        for (key, value) in try Self.flagValues(arguments) { values[key] = (value, .flag) }
    }

    /// The effective value of `key`, which must be one of ``SettingDefinition/all``.
    subscript(key: String) -> SettingValue? {
        precondition(Self.definitions[key] != nil, "\(key) is not a defined setting")
        return values[key]?.value
    }

    func text(_ key: String) -> String? {
        guard case .text(let text)? = self[key] else { return nil }
        return text
    }

    func integer(_ key: String) -> Int? {
        guard case .integer(let integer)? = self[key] else { return nil }
        return integer
    }

    func boolean(_ key: String) -> Bool? {
        guard case .boolean(let flag)? = self[key] else { return nil }
        return flag
    }

    func list(_ key: String) -> [String] {
        guard case .list(let texts)? = self[key] else { return [] }
        return texts
    }

    private static func flagValues(_ arguments: [String]) throws(DaemonFailure) -> [String: SettingValue] {
        let byFlag = Dictionary(uniqueKeysWithValues: SettingDefinition.all.map { ($0.flag, $0) })
        var values: [String: SettingValue] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw .configuration("unexpected argument \"\(argument)\": settings are --KEY VALUE (see mailtimed --help)")
            }
            var name = argument
            var texts: [String] = []
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                texts = [String(argument[argument.index(after: equals)...])]
            } else {
                while index < arguments.endIndex, !arguments[index].hasPrefix("--") {
                    texts.append(arguments[index])
                    index += 1
                }
            }
            guard let definition = byFlag[name] else {
                let known = Array(byFlag.keys) + ["--config", "--print-config", "--help", "--version"]
                throw .configuration("unknown flag \(name)\(suggestion(for: name, among: known)); see mailtimed --help")
            }
            let value = try definition.value(fromTexts: texts, origin: name)
            switch (values[definition.key], value) {
            case (nil, _):
                values[definition.key] = value
            case (.list(let earlier)?, .list(let more)):
                values[definition.key] = .list(earlier + more)
            default:
                throw .configuration("\(name) is given more than once")
            }
        }
        return values
    }

    private static func environmentValues(_ environment: [String: String], warnings: inout [String]) throws(DaemonFailure) -> [String: SettingValue] {
        let byVariable = Dictionary(uniqueKeysWithValues: SettingDefinition.all.map { ($0.environmentVariable, $0) })
        var values: [String: SettingValue] = [:]
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("MAILTIME_") {
            if let definition = byVariable[name] {
                values[definition.key] = try definition.value(fromTexts: [text], origin: name)
            } else if name != configEnvironmentVariable, !clientEnvironmentVariables.contains(name) {
                let known = Array(byVariable.keys) + [configEnvironmentVariable]
                warnings.append("unknown environment variable \(name) is ignored\(suggestion(for: name, among: known))")
            }
        }
        return values
    }

    private static func fileValues(_ contents: [UInt8], path: String) throws(DaemonFailure) -> [String: SettingValue] {
        let document: JSONValue
        do {
            document = try JSONParser.parse(contents)
        } catch {
            throw .configuration("the configuration file \(path) is not valid JSON: \(error)")
        }
        guard case .object(let members) = document else {
            throw .configuration("the configuration file \(path) must hold a JSON object, not \(document.typeName)")
        }
        var values: [String: SettingValue] = [:]
        var seen: Set<String> = []
        try collect(members, prefix: "", path: path, into: &values, seen: &seen)
        return values
    }

    /// Walks the file's objects: a member whose dotted path is a key gives its value; any other object
    /// is walked into; anything else is an unknown key.
    private static func collect(
        _ members: [JSONValue.Member],
        prefix: String,
        path: String,
        into values: inout [String: SettingValue],
        seen: inout Set<String>
    ) throws(DaemonFailure) {
        for member in members {
            let key = prefix.isEmpty ? member.key : prefix + "." + member.key
            if let definition = definitions[key] {
                guard seen.insert(key).inserted else { throw .configuration("\(key) appears twice in \(path)") }
                if let value = try definition.value(fromJSON: member.value, origin: "\(key) in \(path)") {
                    values[key] = value
                }
            } else if case .object(let nested) = member.value {
                try collect(nested, prefix: key, path: path, into: &values, seen: &seen)
            } else {
                throw .configuration("unknown key \(key) in \(path)\(suggestion(for: key, among: Array(definitions.keys)))")
            }
        }
    }

    /// ` (did you mean X?)` for the known name nearest to `name`, if one is near enough to be a typo.
    static func suggestion(for name: String, among known: [String]) -> String {
        let tolerance = max(2, name.count / 5)
        let nearest = known.map { ($0, $0.editDistance(to: name)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let (candidate, distance) = nearest, distance <= tolerance else { return "" }
        return " (did you mean \(candidate)?)"
    }
}
