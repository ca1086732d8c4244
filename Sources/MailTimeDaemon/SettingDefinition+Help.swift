extension SettingDefinition {
    /// The settings part of `mailtimed --help`: how sources combine, then each key with its flag,
    /// environment variable, type, default and meaning, in lines short enough not to be re-wrapped.
    static var helpText: String {
        var lines = [
            "Each setting KEY below is a flag (--KEY with \"-\" for \".\"), an environment",
            "variable (MAILTIME_KEY in capitals with \"_\" for \".\" and \"-\") or a key in",
            "the JSON file of --config, nested at each \".\": listen.port is --listen-port",
            "7600, MAILTIME_LISTEN_PORT=7600 or {\"listen\": {\"port\": 7600}}. A flag wins",
            "over the environment, the environment over the file. A list takes several",
            "values after its flag, a repeated flag, or values separated by \",\".",
            "Unknown flags and file keys, wrong types and values out of range stop",
            "mailtimed with status 78 (unknown MAILTIME_ variables are only logged).",
            "",
            "SETTINGS:",
        ]
        for definition in all {
            lines.append("  \(definition.key)")
            lines.append("      \(definition.typeDescription); default: \(definition.defaultDescription)")
            lines.append(contentsOf: wrap(definition.summary, width: 72).map { "      " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters, broken at spaces.
    private static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
