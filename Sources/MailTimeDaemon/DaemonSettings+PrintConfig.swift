import MailTimeJSON

extension DaemonSettings {
    /// The text `--print-config` shows for a secret that is set.
    static let redacted = "<redacted>"

    /// The effective configuration as a JSON object nested like the configuration file, every key in
    /// the order of ``SettingDefinition/all``: unset keys are `null`, secrets `"<redacted>"`.
    var printedConfiguration: String {
        var entries: [(name: String, value: String?, members: [(name: String, value: String)])] = []
        for definition in SettingDefinition.all {
            let value = rendered(definition)
            let parts = definition.key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                entries.append((definition.key, value, []))
                continue
            }
            if let index = entries.firstIndex(where: { $0.name == parts[0] && $0.value == nil }) {
                entries[index].members.append((parts[1], value))
            } else {
                entries.append((parts[0], nil, [(parts[1], value)]))
            }
        }
        var lines: [String] = []
        for (index, entry) in entries.enumerated() {
            let comma = index == entries.count - 1 ? "" : ","
            if let value = entry.value {
                lines.append("  \(Self.quoted(entry.name)): \(value)\(comma)")
                continue
            }
            lines.append("  \(Self.quoted(entry.name)): {")
            for (position, member) in entry.members.enumerated() {
                lines.append("    \(Self.quoted(member.name)): \(member.value)\(position == entry.members.count - 1 ? "" : ",")")
            }
            lines.append("  }\(comma)")
        }
        return (["{"] + lines + ["}"]).joined(separator: "\n")
    }

    private func rendered(_ definition: SettingDefinition) -> String {
        guard let value = self[definition.key] else { return "null" }
        if definition.isSecret { return Self.quoted(Self.redacted) }
        switch value {
        case .text(let text): return Self.quoted(text)
        case .integer(let integer): return String(integer)
        case .boolean(let flag): return String(flag)
        case .list(let texts): return "[" + texts.map(Self.quoted).joined(separator: ", ") + "]"
        }
    }

    private static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
