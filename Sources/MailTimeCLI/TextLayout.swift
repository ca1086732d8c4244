import Foundation

/// How the commands lay out their output for people (without `--json`).
enum TextLayout {
    /// `key: value` lines with the values aligned one column after the longest key. A value of
    /// several lines continues in the value column.
    static func aligned(_ fields: [(key: String, value: String)]) -> [String] {
        let width = (fields.map(\.key.count).max() ?? 0) + 2
        return fields.flatMap { field in
            field.value.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
                let label = index == 0 ? field.key + ":" : ""
                return label.padding(toLength: width, withPad: " ", startingAt: 0) + line
            }
        }
    }

    /// A time in Unix milliseconds as ISO 8601 in UTC, to the second: `2026-11-29T19:53:01Z`.
    static func time(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }

    /// A time, or `-` when there is none.
    static func time(_ milliseconds: Int64?) -> String {
        milliseconds.map { time($0) } ?? "-"
    }

    /// A duration in milliseconds in its largest units: `250 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
    static func duration(_ milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        switch milliseconds {
        case ..<1000: return "\(milliseconds) ms"
        case ..<60_000: return String(format: "%.1f s", Double(milliseconds) / 1000)
        case ..<3_600_000: return "\(seconds / 60) min \(seconds % 60) s"
        case ..<86_400_000: return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
        default: return "\(seconds / 86400) d \(seconds % 86400 / 3600) h"
        }
    }

    /// `text` on one line: line breaks (an SMTP reply of several lines, say) become spaces.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
