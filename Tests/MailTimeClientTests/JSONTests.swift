import Testing

@testable import MailTimeClient

@Suite("JSON reading and writing")
struct JSONTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONReader.parse(Array(#" {"a":[1,-2.5e1,true,false,null],"b":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","c":{}} "#.utf8))
        #expect(value["a"] == .array([.integer(1), .double(-25), .bool(true), .bool(false), .null]))
        #expect(value["b"]?.stringValue == "x\"\\/\u{08}\u{0C}\n\r\té😀")
        #expect(value["c"] == .object([:]))
    }

    @Test(arguments: [#"{"a":1"#, #"{"a":01}"#, #"[1,]"#, #""\ud800""#, "\"a\nb\"", #"{"a":1} x"#, "tru", #""\x""#])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test func findsTheRawTextOfEachMember() throws {
        let text = #"{"id":"x", "email" : {"to":"a b", "n":[1, 2]} ,"token":7}"#
        let members = try JSONReader.rawMembers(of: Array(text.utf8))
        #expect(members["email"].map { String(decoding: $0, as: UTF8.self) } == #"{"to":"a b", "n":[1, 2]}"#)
        #expect(members["token"].map { String(decoding: $0, as: UTF8.self) } == "7")
    }

    @Test func writesCompactEscapedJSONThatReadsBack() throws {
        let value = JSONValue.object([
            "text": .string("line\none \"quoted\" \\ \u{01} é"),
            "list": .array([.integer(-3), .bool(true), .null]),
        ])
        #expect(value.text == #"{"list":[-3,true,null],"text":"line\none \"quoted\" \\ \u0001 é"}"#)
        #expect(try JSONReader.parse(value.serialized) == value)
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")])
    func encodesBase64(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
    }
}
