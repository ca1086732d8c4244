import MailTimeJSON
import MailTimeProtocol

extension EmailFilter {
    /// The filter of a query string or a form (README, "Admin console"): the fields named by
    /// ``EmailFilter/keys``; empty fields (a form's blank inputs) set no condition and others are
    /// ignored. A value of the wrong form gets `BAD_ARGUMENTS`.
    init(fields: FormFields) throws(ProtocolError) {
        let conditions = Self.keys.compactMap { key in fields[key].flatMap { $0.isEmpty ? nil : "\(key)=\($0)" } }
        try self.init(conditions: conditions, command: "filter")
    }

    /// The filter of a JSON object whose members are named by ``EmailFilter/keys``, each a string
    /// (or a number for `created-from` and `created-to`); other members get `BAD_ARGUMENTS`.
    init(json bytes: [UInt8]) throws(ProtocolError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw ProtocolError(.badArguments, "the filter is not JSON: \(error)")
        }
        guard case .object(let members) = value else {
            throw ProtocolError(.badArguments, "the filter must be a JSON object of conditions, not \(value.typeName)")
        }
        var conditions: [String] = []
        for member in members {
            switch member.value {
            case .string(let text): conditions.append("\(member.key)=\(text)")
            case .number(let text): conditions.append("\(member.key)=\(text)")
            default: throw ProtocolError(.badArguments, "filter: \(member.key.prefix(32)) must be a string or a number")
            }
        }
        try self.init(conditions: conditions, command: "filter")
    }

    /// The conditions as a query string (`key=value&…`, percent-encoded), empty when there are none.
    var queryString: String {
        fields.map { "\($0.name)=\(Self.percentEncoded($0.value))" }.joined(separator: "&")
    }

    /// The conditions as name and value pairs, in the order of ``EmailFilter/keys``.
    var fields: [(name: String, value: String)] {
        arguments.map { argument in
            let equals = argument.firstIndex(of: "=") ?? argument.endIndex
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
    }

    /// `text` with every byte but the URL's unreserved characters (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return encoded
    }
}
