import Foundation
import MailTimeJSON

extension FuzzTarget {
    /// ``JSONParser`` on any bytes: a document it accepts is written back (strings by ``JSONWriter``)
    /// and parses to the same value, and Foundation's `JSONSerialization` accepts it too, with the
    /// same strings, arrays and objects.
    static let json = FuzzTarget(
        name: "json",
        summary: "JSONParser: parse, write, parse again; compared with JSONSerialization"
    ) { input in
        guard let value = try? JSONParser.parse(input) else { return }
        let written = JSONFuzzing.write(value)
        guard let again = try? JSONParser.parse(written) else {
            preconditionFailure("the parser refuses what was written from a value it parsed: \(String(decoding: written, as: UTF8.self))")
        }
        precondition(again == value, "a value written and parsed again differs")
        precondition(JSONFuzzing.write(again) == written, "writing a value is not deterministic")

        guard !JSONFuzzing.hasNumberOutsideDouble(value) else { return }
        let foundation: Any
        do {
            foundation = try JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
        } catch {
            preconditionFailure("JSONSerialization refuses a document the parser accepts: \(error)")
        }
        precondition(JSONFuzzing.matches(value, foundation), "JSONSerialization reads the document differently")
    }
}

/// What the JSON target needs besides the parser: a writer for whole values and the comparison
/// with Foundation.
enum JSONFuzzing {
    /// Compact JSON for `value`: numbers as their text, strings as ``JSONWriter`` escapes them.
    static func write(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output += Array("null".utf8)
        case .bool(let bool): output += Array((bool ? "true" : "false").utf8)
        case .number(let text): output += Array(text.utf8)
        case .string(let string): output += quoted(string)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output += quoted(member.key)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func quoted(_ string: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.string(string)
        return writer.bytes
    }

    /// Whether a number is too large for a `Double`: the parser keeps any number as text, while
    /// `JSONSerialization` refuses those.
    static func hasNumberOutsideDouble(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let text): !(Double(text)?.isFinite ?? false)
        case .array(let elements): elements.contains(where: hasNumberOutsideDouble)
        case .object(let members): members.contains { hasNumberOutsideDouble($0.value) }
        case .null, .bool, .string: false
        }
    }

    /// Whether Foundation's reading has the same nulls, strings, arrays and objects (numbers and
    /// booleans are both `NSNumber` there, and are not compared). Objects with a repeated key are
    /// compared by their keys only: which value Foundation keeps is its own choice.
    static func matches(_ value: JSONValue, _ foundation: Any) -> Bool {
        switch value {
        case .null:
            return foundation is NSNull
        case .bool, .number:
            return !(foundation is NSNull || foundation is String || foundation is [Any] || foundation is [String: Any])
        case .string(let string):
            return (foundation as? String) == string
        case .array(let elements):
            guard let array = foundation as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { matches($0, $1) }
        case .object(let members):
            guard let dictionary = foundation as? [String: Any] else { return false }
            let keys = Set(members.map(\.key))
            guard Set(dictionary.keys) == keys else { return false }
            guard keys.count == members.count else { return true }
            return members.allSatisfy { member in dictionary[member.key].map { matches(member.value, $0) } ?? false }
        }
    }
}
