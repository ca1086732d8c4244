import Foundation
import MailTimeJSON
import MailTimeTestSupport
import Testing

/// Random documents written with ``JSONWriter`` read the same with ``JSONParser`` and with
/// Foundation's `JSONSerialization`. A failure names its seed, to replay it.
@Suite struct FoundationComparisonTests {
    @Test(arguments: 0..<200)
    func randomDocumentsReadTheSameAsWithFoundation(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let document = Self.randomValue(depth: 0, using: &random)
        var writer = JSONWriter()
        Self.write(document, to: &writer)

        let parsed = try JSONParser.parse(writer.bytes)
        #expect(parsed == document, "seed \(seed): the parser reads back another document")
        let foundation = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
        #expect(Self.same(parsed, foundation), "seed \(seed): Foundation reads \(String(decoding: writer.bytes, as: UTF8.self))")
    }

    /// A random value: objects and arrays up to four levels, strings of any Unicode scalars (controls,
    /// quotes, backslashes, non-BMP), integers within ±2^53, booleans and null.
    static func randomValue(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: depth < 4 ? 0..<7 : 0..<5, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(String(Int64.random(in: -(1 << 53)...(1 << 53), using: &random)))
        case 3, 4: return .string(randomString(using: &random))
        case 5:
            return .array((0..<Int.random(in: 0..<6, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var keys: Set<String> = []
            var members: [JSONValue.Member] = []
            for _ in 0..<Int.random(in: 0..<6, using: &random) {
                let key = randomString(using: &random)
                guard keys.insert(key).inserted else { continue }
                members.append(JSONValue.Member(key: key, value: randomValue(depth: depth + 1, using: &random)))
            }
            return .object(members)
        }
    }

    static func randomString(using random: inout SeededGenerator) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0..<12, using: &random) {
            let range: ClosedRange<UInt32> =
                switch Int.random(in: 0..<5, using: &random) {
                case 0: 0...0x1F
                case 1: 0x20...0x7E
                case 2: 0x80...0x7FF
                case 3: 0x800...0xFFFF
                default: 0x10000...0x10FFFF
                }
            var scalar: Unicode.Scalar?
            while scalar == nil { scalar = Unicode.Scalar(UInt32.random(in: range, using: &random)) }
            text.append(scalar!)
        }
        return String(text)
    }

    static func write(_ value: JSONValue, to writer: inout JSONWriter) {
        switch value {
        case .null: writer.null()
        case .bool(let bool): writer.bool(bool)
        case .number(let text): writer.integer(Int64(text)!)
        case .string(let text): writer.string(text)
        case .array(let elements):
            writer.beginArray()
            for element in elements { write(element, to: &writer) }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for member in members {
                writer.key(member.key)
                write(member.value, to: &writer)
            }
            writer.endObject()
        }
    }

    /// Whether Foundation's reading is the same document.
    static func same(_ value: JSONValue, _ object: Any) -> Bool {
        switch value {
        case .null:
            return object is NSNull
        case .bool(let bool):
            return (object as? Bool) == bool
        case .number(let text):
            return (object as? NSNumber)?.int64Value == Int64(text)
        case .string(let text):
            return (object as? String) == text
        case .array(let elements):
            guard let array = object as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let dictionary = object as? [String: Any], dictionary.count == members.count else { return false }
            return members.allSatisfy { member in dictionary[member.key].map { same(member.value, $0) } ?? false }
        }
    }
}
