extension JSONValue {
    /// The value of the object's member `key` (the last, if the key repeats); nil when this is not an
    /// object or has no such member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The text of a string.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A number that is a whole value within `Int64` (`3`, `3.0`, `3e2`); nil for other numbers and types.
    public var integerValue: Int64? {
        guard case .number(let text) = self else { return nil }
        if let integer = Int64(text) { return integer }
        guard let double = Double(text), double.rounded() == double, abs(double) < 9.0e18 else { return nil }
        return Int64(double)
    }

    /// The value of a boolean.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The elements of an array.
    public var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }
}
