@testable import MailTimeMessage
import MailTimeJSON
import MailTimeTestSupport
import Testing

/// Seeded random inputs: the JSON form and quoted-printable must give back exactly what went in.
@Suite struct RandomizedRoundTripTests {
    static let alphabet: [Unicode.Scalar] = Array("aZ09 \t.=-_\"\\<>@{}/é€日🌍".unicodeScalars) + ["\n", "\r", "\u{0}", "\u{7F}"]

    static func text(_ generator: inout SeededGenerator, length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...length, using: &generator) {
            scalars.append(alphabet.randomElement(using: &generator)!)
        }
        return String(scalars)
    }

    /// Text made of runs of one scalar, 1 to 120 long, so that long stretches of plain text meet
    /// every kind of byte at every offset.
    static func textOfRuns(_ generator: inout SeededGenerator, length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        while scalars.count < length {
            let scalar = alphabet.randomElement(using: &generator)!
            let run = Bool.random(using: &generator) ? Int.random(in: 1...120, using: &generator) : 1
            scalars.append(contentsOf: repeatElement(scalar, count: run))
        }
        return String(scalars)
    }

    /// Decodes quoted-printable as RFC 2045 §6.7 reads it.
    static func decodeQuotedPrintable(_ encoded: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < encoded.count {
            let byte = encoded[index]
            if byte == UInt8(ascii: "=") {
                if encoded[index + 1] == 0x0D {
                    index += 3
                } else {
                    output.append(UInt8(String(decoding: encoded[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)!)
                    index += 3
                }
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func quotedPrintableRoundTrips(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        Self.expectQuotedPrintableRoundTrip(Self.text(&generator, length: 400), endingInCRLF: seed % 2 == 0)
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func quotedPrintableRoundTripsWithLongRuns(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        Self.expectQuotedPrintableRoundTrip(Self.textOfRuns(&generator, length: 600), endingInCRLF: seed % 2 == 0)
    }

    /// Lines of at most 76 7-bit characters, no trailing white space, and the text back (with CRLF line breaks).
    static func expectQuotedPrintableRoundTrip(_ text: String, endingInCRLF: Bool) {
        let encoded = QuotedPrintable.encode(text, endingInCRLF: endingInCRLF)
        let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 && !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        #expect(encoded.allSatisfy { $0 < 0x80 })
        let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(decodeQuotedPrintable(encoded) == Array(expected.utf8))
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func jsonStringsWithLongRunsRoundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(state: seed)
        let text = Self.textOfRuns(&generator, length: 300)
        var writer = JSONWriter()
        writer.string(text)
        #expect(try JSONParser.parse(writer.bytes) == .string(text))
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func jsonRoundTrips(seed: UInt64) throws {
        var generator = SeededGenerator(state: seed)
        let names = [nil, "Ann", "Zoë Ångström", "Doe, \"J\" \\ x", "日本 語"]
        let addresses = ["a@example.com", "jörg@bücher.example", "\"q u\"@example.org", "x@[192.0.2.1]"]
        func mailbox(_ generator: inout SeededGenerator) throws -> EmailAddress {
            try EmailAddress(address: addresses.randomElement(using: &generator)!, displayName: names.randomElement(using: &generator)!)
        }
        let email = Email(
            from: Bool.random(using: &generator) ? try mailbox(&generator) : nil,
            to: try (0..<Int.random(in: 1...3, using: &generator)).map { _ in try mailbox(&generator) },
            bcc: try (0..<Int.random(in: 0...2, using: &generator)).map { _ in try mailbox(&generator) },
            subject: Bool.random(using: &generator)
                ? String(
                    String.UnicodeScalarView(
                        Self.text(&generator, length: 30).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F || $0 == "\t" })) : nil,
            text: Self.text(&generator, length: 200),
            html: Bool.random(using: &generator) ? Self.text(&generator, length: 200) : nil,
            attachments: (0..<Int.random(in: 0...2, using: &generator)).map { index in
                Email.Attachment(
                    filename: "f\(index).bin",
                    content: (0..<Int.random(in: 0...100, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                )
            },
            sendAt: Bool.random(using: &generator) ? Int64.random(in: 0...Email.latestSendAt, using: &generator) : nil,
            priority: UInt8.random(in: 0...255, using: &generator),
            variables: ["k": Self.text(&generator, length: 20)],
            fold: Bool.random(using: &generator)
        )
        let bytes = email.jsonBytes()
        #expect(try Email(json: bytes) == email)
        #expect(try Email(storedJSON: bytes) == email)
    }
}
