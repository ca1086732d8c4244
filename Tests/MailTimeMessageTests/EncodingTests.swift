import Foundation
@testable import MailTimeMessage
import MailTimeTestSupport
import Testing

@Suite struct QuotedPrintableTests {
    func encode(_ text: String, endingInCRLF: Bool = false) -> String {
        String(decoding: QuotedPrintable.encode(text, endingInCRLF: endingInCRLF), as: UTF8.self)
    }

    @Test func plainTextStaysReadable() {
        #expect(encode("Hello, world!") == "Hello, world!")
        #expect(encode("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd")
        #expect(encode("ends with newline\n") == "ends with newline\r\n")
    }

    @Test func equalsSignsAndNonASCIIAreEscaped() {
        #expect(encode("a=b") == "a=3Db")
        #expect(encode("é") == "=C3=A9")
        #expect(encode("tab\tnul\u{0}") == "tab\tnul=00")
    }

    @Test func trailingWhitespaceIsEncoded() {
        #expect(encode("space \nTab\t\nend ") == "space=20\r\nTab=09\r\nend=20")
        #expect(encode("in the middle ok") == "in the middle ok")
    }

    @Test func longLinesGetSoftBreaksWithin76Columns() {
        let encoded = encode(String(repeating: "x", count: 200))
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(encoded.replacingOccurrences(of: "=\r\n", with: "") == String(repeating: "x", count: 200))
    }

    @Test func escapesAreNeverSplitAcrossLines() {
        let encoded = encode(String(repeating: "é", count: 100))
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            let body = line.hasSuffix("=") ? String(line.dropLast()) : line
            #expect(body.utf8.count % 3 == 0)
        }
    }

    @Test func exactly76CharactersNeedNoSoftBreak() {
        #expect(encode(String(repeating: "y", count: 76)) == String(repeating: "y", count: 76))
        #expect(encode(String(repeating: "y", count: 77)).components(separatedBy: "\r\n").count == 2)
    }

    @Test func linesStartingWithADotAreKeptForTheSMTPClientToStuff() {
        #expect(encode(".\n.hidden") == ".\r\n.hidden")
    }

    @Test func dotStuffingDoublesADotThatStartsALine() {
        func stuffed(_ text: String, endingInCRLF: Bool = false) -> String {
            String(decoding: QuotedPrintable.encode(text, endingInCRLF: endingInCRLF, dotStuffing: true), as: UTF8.self)
        }
        #expect(stuffed(".\n.hidden") == "..\r\n..hidden")
        #expect(stuffed("a.b\n. x\n..") == "a.b\r\n.. x\r\n...")
        // After a soft break, in the fast path and as the last byte of a line.
        #expect(stuffed(String(repeating: "a", count: 75) + ".bc") == String(repeating: "a", count: 75) + "=\r\n..bc")
        // A dot that ends a line is not at its start.
        #expect(stuffed(String(repeating: "a", count: 75) + ".") == String(repeating: "a", count: 75) + ".")
        #expect(stuffed(".", endingInCRLF: true) == "..=\r\n")
        // A line of 76 characters starting with a dot still needs no soft break: stuffing is not counted.
        let line = "." + String(repeating: "y", count: 75)
        #expect(stuffed(line) == "." + line)
    }

    /// Text of dots, line breaks and other characters: the stuffed encoding is the plain one with a "."
    /// added before each line that starts with one.
    @Test(arguments: 0..<100 as Range<UInt64>)
    func dotStuffingAddsADotToEachLineThatStartsWithOne(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        let alphabet: [Character] = [".", ".", ".", "a", " ", "\n", "\r\n", "é", "=", "\t"]
        let text = String((0..<Int.random(in: 0...400, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        let endingInCRLF = seed % 2 == 0
        let plain = String(decoding: QuotedPrintable.encode(text, endingInCRLF: endingInCRLF), as: UTF8.self)
        let stuffed = String(decoding: QuotedPrintable.encode(text, endingInCRLF: endingInCRLF, dotStuffing: true), as: UTF8.self)
        let expected = plain.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
        #expect(stuffed == expected)
    }

    @Test func endingInCRLFUsesASoftBreak() {
        #expect(encode("abc", endingInCRLF: true) == "abc=\r\n")
        #expect(encode("abc\n", endingInCRLF: true) == "abc\r\n")
        let full = encode(String(repeating: "z", count: 76), endingInCRLF: true)
        #expect(full.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(encode("", endingInCRLF: true) == "")
    }
}

@Suite struct Base64Tests {
    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar"])
    func rfc4648Vectors(_ text: String) throws {
        let expected = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        let encoded = String(decoding: Base64.encode(Array(text.utf8)), as: UTF8.self)
        #expect(encoded == expected[text])
        #expect(Base64.decode(Array(encoded.utf8)) == Array(text.utf8))
    }

    @Test func linesAre76ColumnsWithCRLF() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let encoded = String(decoding: Base64.encode(bytes, lineLength: 76), as: UTF8.self)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.last == "")
        #expect(lines.dropLast(2).allSatisfy { $0.count == 76 })
        #expect(Base64.decode(Array(encoded.utf8)) == bytes)
    }

    @Test func malformedInputIsRefused() {
        for bad in ["Zg", "Zg=", "Z===", "Zg==Zg==", "Zm9v!", "=Zm9", "Zm9v\u{0}"] {
            #expect(Base64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}

@Suite struct EncodedWordTests {
    @Test func asciiHeavyTextUsesQ() {
        #expect(EncodedWord.encode("Café au lait") == ["=?UTF-8?Q?Caf=C3=A9_au_lait?="])
    }

    @Test func nonLatinTextUsesB() {
        #expect(EncodedWord.encode("你好") == ["=?UTF-8?B?5L2g5aW9?="])
    }

    @Test func longTextIsSplitIntoWordsOfAtMost75WithoutSplittingCharacters() throws {
        for text in [String(repeating: "日本語のテキスト", count: 20), String(repeating: "é🌍a", count: 60), String(repeating: "ü ", count: 80)] {
            let words = EncodedWord.encode(text, firstWordLength: 40)
            #expect(words.count > 2)
            #expect(words[0].utf8.count <= 40)
            #expect(words.allSatisfy { $0.utf8.count <= 75 })
            #expect(try words.map(Self.decode).joined() == text)
        }
    }

    /// Decodes one encoded word, failing if its bytes are not UTF-8 on their own.
    static func decode(_ word: String) throws -> String {
        let parts = word.dropFirst(2).dropLast(2).split(separator: "?", omittingEmptySubsequences: false)
        var bytes: [UInt8]
        if parts[1] == "B" {
            bytes = try #require(Base64.decode(Array(parts[2].utf8)))
        } else {
            bytes = []
            var iterator = Array(parts[2].utf8).makeIterator()
            while let byte = iterator.next() {
                if byte == UInt8(ascii: "_") {
                    bytes.append(0x20)
                } else if byte == UInt8(ascii: "=") {
                    let hex = String(decoding: [iterator.next()!, iterator.next()!], as: UTF8.self)
                    bytes.append(try #require(UInt8(hex, radix: 16)))
                } else {
                    bytes.append(byte)
                }
            }
        }
        return try #require(String(validating: bytes, as: UTF8.self))
    }
}

@Suite struct RFC5322DateTests {
    @Test(
        arguments: [
            (0, "Thu, 1 Jan 1970 00:00:00 +0000"),
            (1_795_000_000_999, "Wed, 18 Nov 2026 11:06:40 +0000"),
            (951_782_400_000, "Tue, 29 Feb 2000 00:00:00 +0000"),
            (4_102_444_799_000, "Thu, 31 Dec 2099 23:59:59 +0000"),
        ] as [(Int64, String)])
    func formats(_ milliseconds: Int64, expected: String) {
        #expect(RFC5322Date.format(millisecondsSince1970: milliseconds) == expected)
    }

    @Test func agreesWithFoundationFromYear1600To9999() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
        var generator = SeededGenerator(state: 5322)
        for _ in 0..<2000 {
            let milliseconds = Int64.random(in: -11_676_096_000_000...253_402_300_799_999, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds / 1000) + Double(milliseconds % 1000) / 1000)
            #expect(RFC5322Date.format(millisecondsSince1970: milliseconds) == formatter.string(from: date), "\(milliseconds)")
        }
    }
}
