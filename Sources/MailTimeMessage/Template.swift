/// A MailTime template: `{{key}}` is replaced by the variable, HTML-escaped when rendering HTML;
/// `{{{key}}}` by the variable as it is. Keys are made of `A-Z a-z 0-9 _ -`; a placeholder whose key
/// has no variable stays as written.
public struct Template: Sendable, Hashable {
    /// How `{{key}}` values are written.
    public enum Escaping: Sendable, Hashable {
        /// `&`, `<`, `>`, `"` and `'` become entities: for HTML bodies and layouts.
        case html
        /// Values go in verbatim: for subjects and text bodies.
        case none
    }

    /// The template's text.
    public var source: String

    public init(_ source: String) {
        self.source = source
    }

    /// The layout that adds nothing around the HTML body.
    public static let bareLayout = Template("{{{html}}}")

    /// The template with its placeholders replaced.
    public func render(_ variables: [String: String], escaping: Escaping) -> String {
        // With no variables every placeholder stays as written.
        guard !variables.isEmpty else { return source }
        var source = source
        return source.withUTF8 { bytes in
            guard var index = bytes.firstIndex(of: UInt8(ascii: "{")) else { return self.source }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 4)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<index]))
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "{"), let (end, value, raw) = placeholder(in: bytes, at: index, variables) {
                    output.append(contentsOf: raw || escaping == .none ? Array(value.utf8) : Self.escapeHTML(value))
                    index = end
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// The placeholder starting at `start` whose key has a variable: where it ends, the value,
    /// and whether it is the raw `{{{key}}}` form.
    private func placeholder(in bytes: UnsafeBufferPointer<UInt8>, at start: Int, _ variables: [String: String])
        -> (end: Int, value: String, raw: Bool)?
    {
        for braces in [3, 2] {
            let keyStart = start + braces
            guard keyStart <= bytes.count, bytes[start..<keyStart].allSatisfy({ $0 == UInt8(ascii: "{") }) else {
                continue
            }
            var keyEnd = keyStart
            while keyEnd < bytes.count, Self.isKeyByte(bytes[keyEnd]) { keyEnd += 1 }
            let end = keyEnd + braces
            guard keyEnd > keyStart, end <= bytes.count,
                bytes[keyEnd..<end].allSatisfy({ $0 == UInt8(ascii: "}") })
            else { continue }
            let key = String(decoding: bytes[keyStart..<keyEnd], as: UTF8.self)
            if let value = variables[key] { return (end, value, braces == 3) }
        }
        return nil
    }

    /// Whether `key` can name a variable.
    static func isKey(_ key: some Collection<UInt8>) -> Bool {
        !key.isEmpty && key.allSatisfy(isKeyByte)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    /// `value` with the five HTML special characters as entities.
    static func escapeHTML(_ value: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: Array("&amp;".utf8))
            case UInt8(ascii: "<"): output.append(contentsOf: Array("&lt;".utf8))
            case UInt8(ascii: ">"): output.append(contentsOf: Array("&gt;".utf8))
            case UInt8(ascii: "\""): output.append(contentsOf: Array("&quot;".utf8))
            case UInt8(ascii: "'"): output.append(contentsOf: Array("&#39;".utf8))
            default: output.append(byte)
            }
        }
        return output
    }
}
