/// Derives the plain-text alternative of an HTML body: tags dropped, common entities decoded,
/// line breaks kept for `<br>` and block elements, links written as `text (url)`.
enum HTMLText {
    /// Elements whose content is not text to read.
    private static let hiddenElements: Set<String> = ["head", "style", "script", "title", "template"]
    /// Elements that start and end a paragraph.
    private static let paragraphElements: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table",
    ]
    /// Elements that start and end a line.
    private static let lineElements: Set<String> = ["div", "tr", "li", "dt", "dd", "section", "article", "header", "footer"]

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“",
        "rdquo": "”", "laquo": "«", "raquo": "»", "bull": "•", "middot": "·", "euro": "€", "pound": "£",
        "yen": "¥", "cent": "¢", "deg": "°", "times": "×", "divide": "÷", "shy": "",
    ]

    /// The readable text of `html`, with `\n` line breaks.
    static func plainText(from html: String) -> String {
        var builder = Builder()
        let scalars = Array(html.unicodeScalars)
        var index = 0
        var hiddenUntil: String?
        var linkTarget: String?
        var linkTextStart = 0

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "<", let tag = Tag(scalars, at: index) {
                index = tag.end
                if let hidden = hiddenUntil {
                    if tag.isClosing && tag.name == hidden { hiddenUntil = nil }
                    continue
                }
                if hiddenElements.contains(tag.name) && !tag.isClosing && !tag.isSelfClosing {
                    hiddenUntil = tag.name
                } else if tag.name == "br" {
                    builder.lineBreak()
                } else if tag.name == "hr" {
                    builder.paragraphBreak()
                } else if paragraphElements.contains(tag.name) {
                    builder.paragraphBreak()
                } else if lineElements.contains(tag.name) {
                    builder.blockBreak()
                    if tag.name == "li" && !tag.isClosing { builder.append("- ") }
                } else if tag.name == "td" || tag.name == "th" {
                    if !tag.isClosing { builder.space() }
                } else if tag.name == "a" {
                    if tag.isClosing, let target = linkTarget {
                        if builder.text(since: linkTextStart) != target { builder.append(" (\(target))") }
                        linkTarget = nil
                    } else if !tag.isClosing, let href = tag.href, !href.hasPrefix("#") {
                        linkTarget = href.hasPrefix("mailto:") ? String(href.dropFirst(7)) : href
                        linkTextStart = builder.count
                    }
                }
                continue
            }
            if hiddenUntil != nil {
                index += 1
                continue
            }
            if scalar == "&", let (decoded, end) = entity(scalars, at: index) {
                builder.append(decoded)
                index = end
                continue
            }
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                builder.space()
            } else {
                builder.append(String(scalar))
            }
            index += 1
        }
        return builder.result
    }

    /// Decodes `&name;`, `&#123;` or `&#x1F;` at `start`.
    private static func entity(_ scalars: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        var end = start + 1
        while end < scalars.count, end - start <= 10, scalars[end] != ";" { end += 1 }
        guard end < scalars.count, scalars[end] == ";", end > start + 1 else { return nil }
        let name = String(String.UnicodeScalarView(scalars[(start + 1)..<end]))
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value =
                digits.first == "x" || digits.first == "X"
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar == "\u{A0}" ? " " : String(scalar), end + 1)
        }
        guard let decoded = namedEntities[name] else { return nil }
        return (decoded, end + 1)
    }

    /// One HTML tag, comment or declaration.
    private struct Tag {
        var name: String
        var isClosing = false
        var isSelfClosing = false
        var href: String?
        /// The index after the tag's `>`.
        var end: Int

        init?(_ scalars: [Unicode.Scalar], at start: Int) {
            if scalars[(start + 1)...].starts(with: "!--".unicodeScalars) {
                var index = start + 4
                while index + 2 < scalars.count,
                    !(scalars[index] == "-" && scalars[index + 1] == "-" && scalars[index + 2] == ">")
                {
                    index += 1
                }
                name = "!--"
                end = min(index + 3, scalars.count)
                return
            }
            var index = start + 1
            if index < scalars.count, scalars[index] == "/" {
                isClosing = true
                index += 1
            }
            let nameStart = index
            while index < scalars.count,
                scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index])
                    || scalars[index] == "!"
            {
                index += 1
            }
            guard index > nameStart else { return nil }
            name = String(String.UnicodeScalarView(scalars[nameStart..<index])).lowercased()
            var quote: Unicode.Scalar?
            let attributesStart = index
            while index < scalars.count {
                let scalar = scalars[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    quote = scalar
                } else if scalar == ">" {
                    break
                }
                index += 1
            }
            guard index < scalars.count else { return nil }
            isSelfClosing = index > attributesStart && scalars[index - 1] == "/"
            end = index + 1
            if name == "a" {
                href = Self.attribute("href", in: String(String.UnicodeScalarView(scalars[attributesStart..<index])))
            }
        }

        /// The value of attribute `name`, quoted or not.
        private static func attribute(_ name: String, in attributes: String) -> String? {
            let scalars = Array(attributes.unicodeScalars)
            let lowered = Array(attributes.lowercased().unicodeScalars)
            guard lowered.count == scalars.count else { return nil }
            let key = Array(name.unicodeScalars)
            var index = 0
            while index + key.count < scalars.count {
                let precededBySpace = index == 0 || scalars[index - 1].properties.isWhitespace
                if precededBySpace, Array(lowered[index..<(index + key.count)]) == key {
                    var cursor = index + key.count
                    while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
                    if cursor < scalars.count, scalars[cursor] == "=" {
                        cursor += 1
                        while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
                        guard cursor < scalars.count else { return nil }
                        var valueEnd = cursor
                        if scalars[cursor] == "\"" || scalars[cursor] == "'" {
                            let quote = scalars[cursor]
                            cursor += 1
                            valueEnd = cursor
                            while valueEnd < scalars.count, scalars[valueEnd] != quote { valueEnd += 1 }
                        } else {
                            while valueEnd < scalars.count, !scalars[valueEnd].properties.isWhitespace,
                                scalars[valueEnd] != "/"
                            {
                                valueEnd += 1
                            }
                        }
                        let value = String(String.UnicodeScalarView(scalars[cursor..<valueEnd]))
                        return HTMLText.plainText(from: value)
                    }
                }
                index += 1
            }
            return nil
        }
    }

    /// Collects text, collapsing runs of white space and line breaks as a browser would.
    private struct Builder {
        private var output = ""
        private var pendingSpace = false
        /// Line breaks wanted before the next text: 1 for a line, 2 for a paragraph.
        private var pendingBreaks = 0

        var count: Int { output.unicodeScalars.count }

        func text(since start: Int) -> String {
            String(String.UnicodeScalarView(output.unicodeScalars.dropFirst(start)))
        }

        mutating func space() {
            pendingSpace = true
        }

        /// A `<br>`: each one adds a line break.
        mutating func lineBreak() {
            pendingBreaks += 1
        }

        /// The edge of a block such as `<div>`: the next text starts on a new line.
        mutating func blockBreak() {
            pendingBreaks = max(pendingBreaks, 1)
        }

        /// The edge of a paragraph: a blank line before the next text.
        mutating func paragraphBreak() {
            pendingBreaks = max(pendingBreaks, 2)
        }

        mutating func append(_ text: String) {
            guard !text.isEmpty else { return }
            if !output.isEmpty && pendingBreaks > 0 {
                output += String(repeating: "\n", count: pendingBreaks)
            } else if pendingSpace && !output.isEmpty && !output.hasSuffix("\n") {
                output += " "
            }
            pendingBreaks = 0
            pendingSpace = false
            output += text
        }

        var result: String { output }
    }
}
