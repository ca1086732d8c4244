import MailTimeMessage
import Testing

/// `QuotedPrintable.decode`, as RFC 2045 §6.7 asks of a robust decoder.
@Suite struct QuotedPrintableDecodingTests {
    func decode(_ text: String) -> String {
        String(decoding: QuotedPrintable.decode(Array(text.utf8)), as: UTF8.self)
    }

    @Test func escapesInEitherCaseAreBytes() {
        #expect(decode("a=3Db") == "a=b")
        #expect(decode("=C3=A9t=c3=a9") == "été")
        #expect(QuotedPrintable.decode(Array("=00=FF".utf8)) == [0x00, 0xFF])
    }

    @Test func softBreaksJoinLines() {
        #expect(decode("long=\r\nline") == "longline")
        #expect(decode("bare=\nLF") == "bareLF")
        #expect(decode("padded= \t\r\nafter") == "paddedafter")
        #expect(decode("last line=") == "last line")
    }

    @Test func hardBreaksStayAsTheyAre() {
        #expect(decode("a\r\nb\nc") == "a\r\nb\nc")
    }

    @Test func whiteSpaceAtTheEndOfALineIsTransportPadding() {
        #expect(decode("end \t\r\nnext  \nlast ") == "end\r\nnext\nlast")
        #expect(decode("in the middle\tstays") == "in the middle\tstays")
        #expect(decode("space=20\r\n") == "space \r\n")
    }

    @Test func malformedEscapesAreKeptAsTheyAre() {
        #expect(decode("=G1") == "=G1")
        #expect(decode("a=4") == "a=4")
        #expect(decode("= x") == "= x")
        #expect(decode("=\rx") == "=\rx")
    }

    @Test func encodedTextDecodesBack() {
        let text = "Grüße = \"quoted\"\tand a long line " + String(repeating: "é", count: 60) + " \nend \r\n.dot"
        let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(decode(String(decoding: QuotedPrintable.encode(text), as: UTF8.self)) == expected)
        #expect(decode(String(decoding: QuotedPrintable.encode(text, endingInCRLF: true), as: UTF8.self)) == expected)
    }
}
