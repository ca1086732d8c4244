import Foundation
import Testing

extension Tag {
    /// Talks to an external peer: aiosmtpd, smtp-sink, swaks, Postfix or the `openssl` binary.
    @Tag public static var peer: Self
    /// Takes several seconds: crash loops, timers, loads.
    @Tag public static var slow: Self

    /// The tags named, comma-separated, in the environment variable `MAILTIME_SKIP_TAGS` (`make test-unit`
    /// sets `peer,slow`): `swift test` cannot filter by tag, so tests check it with ``unlessSkipped(_:)``.
    static let skipped: Set<String> = Set(
        (ProcessInfo.processInfo.environment["MAILTIME_SKIP_TAGS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    )
}

extension Trait where Self == ConditionTrait {
    /// Runs unless `MAILTIME_SKIP_TAGS` names `tag`; goes with `.tags(tag)`, as in
    /// `@Suite(.tags(.peer), .unlessSkipped(.peer), .unlessSkipped(.peer))`.
    public static func unlessSkipped(_ tag: Tag, sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        .disabled(if: Tag.skipped.contains(tag.name), "MAILTIME_SKIP_TAGS skips tag \(tag.name)", sourceLocation: sourceLocation)
    }
}

extension Tag {
    /// The tag's name as written in source: `peer`, `slow`.
    var name: String {
        String(describing: self).split(separator: ".").last.map(String.init) ?? String(describing: self)
    }
}
