import MailTimeJSON

/// Reading a body's fields, with `INVALID_FIELD` errors that name the field.
extension JSONValue {
    /// The members of an object, or `INVALID_FIELD` naming `what`.
    func objectMembers(_ what: String) throws(ProtocolError) -> [Member] {
        guard case .object(let members) = self else {
            throw ProtocolError(.invalidField, "\(what) must be a JSON object, not \(typeName)")
        }
        return members
    }

    /// Refuses members other than `known`.
    func refuseUnknownFields(_ known: Set<String>, in what: String) throws(ProtocolError) {
        if let unknown = try objectMembers(what).map(\.key).first(where: { !known.contains($0) }) {
            throw ProtocolError(.invalidField, "\(what) has no field \(unknown)")
        }
    }

    /// The field `key` read with `read`, or `nil` when it is absent or `null`; `INVALID_FIELD` when
    /// it is present in another form than `expected`.
    func optional<Value>(_ key: String, _ expected: String, _ read: (JSONValue) -> Value?) throws(ProtocolError) -> Value? {
        guard let field = self[key], field != .null else { return nil }
        guard let value = read(field) else {
            throw ProtocolError(.invalidField, "\(key) must be \(expected), not \(field.typeName)")
        }
        return value
    }

    /// The field `key` read with `read`; `INVALID_FIELD` when it is absent or in another form than `expected`.
    func required<Value>(_ key: String, _ expected: String, _ read: (JSONValue) -> Value?) throws(ProtocolError) -> Value {
        guard let value = try optional(key, expected, read) else {
            throw ProtocolError(.invalidField, "\(key) is required (\(expected))")
        }
        return value
    }

    /// An `Int` of an integer field.
    static func int(_ value: JSONValue) -> Int? {
        value.integerValue.flatMap { Int(exactly: $0) }
    }

    /// A non-negative integer field, as a token.
    static func token(_ value: JSONValue) -> UInt64? {
        value.integerValue.flatMap { UInt64(exactly: $0) }
    }

    /// Each element of an array read with `decode`, the errors naming `key[index]`.
    func array<Element>(_ key: String, _ decode: (JSONValue) throws(ProtocolError) -> Element) throws(ProtocolError) -> [Element]? {
        guard let field = self[key], field != .null else { return nil }
        return try field.elements(named: key, decode)
    }

    /// Each element of this array read with `decode`, the errors naming `key[index]`.
    func elements<Element>(named key: String, _ decode: (JSONValue) throws(ProtocolError) -> Element) throws(ProtocolError) -> [Element] {
        guard let elements = arrayValue else {
            throw ProtocolError(.invalidField, "\(key) must be an array, not \(typeName)")
        }
        var decoded: [Element] = []
        decoded.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                decoded.append(try decode(element))
            } catch {
                throw ProtocolError(error.code, "\(key)[\(index)]: \(error.message)")
            }
        }
        return decoded
    }

    /// The field `key` decoded as a body, or `nil` when it is absent or `null`; errors name the field.
    func body<Body: JSONBody>(_ key: String, as type: Body.Type = Body.self) throws(ProtocolError) -> Body? {
        guard let field = self[key], field != .null else { return nil }
        do {
            return try Body(json: field)
        } catch {
            throw ProtocolError(error.code, "\(key): \(error.message)")
        }
    }
}
