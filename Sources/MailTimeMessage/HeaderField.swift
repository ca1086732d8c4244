/// Writes one header field, folding (RFC 5322 §2.2.3) before a word that would take the line past 78 characters.
struct HeaderField {
    /// The line length RFC 5322 §2.1.1 asks for.
    static let preferredLineLength = 78

    private(set) var bytes: [UInt8]
    private var lineLength: Int
    /// Whether the current line has a word after the field name.
    private var lineHasWord = false

    init(name: String) {
        var buffer: [UInt8] = []
        // Most fields fit on one line.
        buffer.reserveCapacity(Self.preferredLineLength + 2)
        self.init(name: name, takingOver: &buffer)
    }

    /// Starts the field at the end of `output`, taking its buffer over (`output` is left empty) so that
    /// the field is written in place; ``finish(into:)`` gives the buffer back.
    init(name: String, takingOver output: inout [UInt8]) {
        bytes = []
        swap(&bytes, &output)
        bytes += name.utf8
        bytes.append(UInt8(ascii: ":"))
        lineLength = name.utf8.count + 1
    }

    /// A field whose whole value is one unfoldable word, such as a Message-ID or a date.
    init(name: String, value: String) {
        self.init(name: name)
        append(word: value)
    }

    /// The room left on the current line for a word after a separating space.
    var room: Int { Self.preferredLineLength - lineLength - 1 }

    /// Appends a space and `word`, or a fold and `word` when it does not fit on the current line.
    /// An empty word (from a run of spaces) never folds, so no line is only white space.
    mutating func append(word: String) {
        let length = word.utf8.count
        if lineHasWord && length > 0 && lineLength + 1 + length > Self.preferredLineLength {
            fold()
        }
        bytes.append(UInt8(ascii: " "))
        bytes += word.utf8
        lineLength += 1 + length
        lineHasWord = true
    }

    /// Appends words kept on one line when they fit on a fresh line but not on the current one.
    mutating func append(group words: [String]) {
        let length = words.reduce(words.count - 1) { $0 + $1.utf8.count }
        if lineHasWord && lineLength + 1 + length > Self.preferredLineLength && 1 + length <= Self.preferredLineLength {
            fold()
        }
        for word in words { append(word: word) }
    }

    /// Starts a continuation line; the next word follows its leading space.
    mutating func fold() {
        bytes += [0x0D, 0x0A]
        lineLength = 0
        lineHasWord = false
    }

    /// Appends unstructured text (RFC 5322 §3.2.5): as it is when it is printable ASCII that folds at its
    /// spaces (within 78 columns unless `allowingLongWords`), otherwise as encoded words.
    mutating func append(unstructured text: String, allowingLongWords: Bool) {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let isPlain =
            text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) || $0 == "\t" }
            && !Self.containsEncodedWordOpener(text)
        let fitsFolded =
            allowingLongWords
            || words.allSatisfy { $0.utf8.count < Self.preferredLineLength - 1 }
                && (words.first?.utf8.count ?? 0) <= room
        if isPlain && fitsFolded {
            for word in words { append(word: String(word)) }
        } else {
            appendEncoded(text)
        }
    }

    /// Appends `text` as encoded words, the first one sized to the room left on the line when it can be.
    mutating func appendEncoded(_ text: String) {
        if room < 20 && lineHasWord { fold() }
        for word in EncodedWord.encode(text, firstWordLength: min(room, EncodedWord.maximumLength)) {
            append(word: word)
        }
    }

    /// Whether `text` has "=?", which a reader could take for the start of an encoded word.
    static func containsEncodedWordOpener(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    /// The field with its closing CRLF.
    var line: [UInt8] { bytes + [0x0D, 0x0A] }

    /// Ends the field with CRLF and gives the buffer taken over by ``init(name:takingOver:)`` back to `output`.
    mutating func finish(into output: inout [UInt8]) {
        precondition(output.isEmpty, "a field started with init(name:takingOver:) holds the output until it is finished")
        bytes.append(0x0D)
        bytes.append(0x0A)
        swap(&bytes, &output)
    }

    /// Appends the field with its closing CRLF to `output`.
    func write(into output: inout [UInt8]) {
        output += bytes
        output.append(0x0D)
        output.append(0x0A)
    }
}
