@testable import MailTimeJSON
import Testing

@Suite("JSON parsing and writing")
struct JSONParserTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONParser.parse(Array(#" {"a":[1,-2.5e1,true,false,null],"b":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","c":{}} "#.utf8))
        #expect(value["a"] == .array([.number("1"), .number("-2.5e1"), .bool(true), .bool(false), .null]))
        #expect(value["b"]?.stringValue == "x\"\\/\u{08}\u{0C}\n\r\té😀")
        #expect(value["c"] == .object([]))
    }

    @Test(arguments: [#"{"a":1"#, #"{"a":01}"#, #"[1,]"#, #""\ud800""#, "\"a\nb\"", #"{"a":1} x"#, "tru", #""\x""#])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0x61, 0xC3, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22],
            // Past the first eight bytes, where the scan reads words.
            [0x22] + Array(repeating: 0x61, count: 16) + [0xFF] + Array(repeating: 0x61, count: 9) + [0x22],
            [0x22] + Array(repeating: 0x61, count: 24) + [0xF0, 0x9F, 0x98, 0x22],
        ] as [[UInt8]])
    func refusesStringsThatAreNotUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
    }

    @Test(arguments: [
        String(repeating: "plain ASCII text ", count: 100), String(repeating: "é😀a", count: 300),
        #"escaped "quotes" \ and "# + String(repeating: "b", count: 40),
    ])
    func readsLongStrings(_ text: String) throws {
        var writer = JSONWriter()
        writer.string(text)
        #expect(try JSONParser.parse(writer.bytes) == .string(text))
    }

    @Test func readsMembersAndScalars() throws {
        let value = try JSONParser.parse(Array(#"{"k":1,"k":2,"s":"t","b":false,"l":[]}"#.utf8))
        #expect(value["k"]?.integerValue == 2)
        #expect(value["s"]?.stringValue == "t")
        #expect(value["s"]?.integerValue == nil)
        #expect(value["b"]?.boolValue == false)
        #expect(value["l"]?.arrayValue == [])
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
    }

    @Test(arguments: [("7", 7), ("-0", 0), ("3.0", 3), ("1e3", 1000), ("-2.5e1", -25), ("9223372036854775807", Int64.max)])
    func readsWholeNumbersAsIntegers(_ text: String, _ integer: Int64) {
        #expect(JSONValue.number(text).integerValue == integer)
    }

    @Test(arguments: ["2.5", "1e19", "-1e300"])
    func otherNumbersAreNotIntegers(_ text: String) {
        #expect(JSONValue.number(text).integerValue == nil)
    }

    @Test func writesCompactEscapedJSONThatReadsBack() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("text")
        writer.string("line\none \"quoted\" \\ \u{01} é")
        writer.key("list")
        writer.beginArray()
        writer.integer(-3)
        writer.bool(true)
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"text":"line\none \"quoted\" \\ \u0001 é","list":[-3,true,{}]}"#)
        #expect(
            try JSONParser.parse(writer.bytes)
                == .object([
                    .init(key: "text", value: .string("line\none \"quoted\" \\ \u{01} é")),
                    .init(key: "list", value: .array([.number("-3"), .bool(true), .object([])])),
                ])
        )
    }
}
