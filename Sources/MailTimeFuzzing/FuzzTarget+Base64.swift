import MailTimeMessage

extension FuzzTarget {
    /// ``Base64`` on any bytes: what decodes has the length its characters give and survives being
    /// encoded and decoded again; any bytes, encoded on one line or wrapped, decode back to themselves.
    static let base64 = FuzzTarget(
        name: "base64",
        summary: "Base64: decode any text; encode then decode any bytes, wrapped or not"
    ) { input in
        if let decoded = Base64.decode(input) {
            let characters = input.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            precondition(characters.count % 4 == 0, "text of \(characters.count) characters decoded")
            precondition(decoded.count == characters.count / 4 * 3 - padding, "decoded to \(decoded.count) bytes")
            precondition(Base64.decode(Base64.encode(decoded)) == decoded, "decoded bytes do not survive a round trip")
        }

        precondition(Base64.decode(Base64.encode(input)) == input, "bytes encoded on one line do not decode back")
        let lineLength = 4 + Int(input.first ?? 0) % 100
        let wrapped = Base64.encode(input, lineLength: lineLength)
        let lines = wrapped.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        precondition(lines.allSatisfy { $0.last == 0x0D && $0.count <= lineLength + 1 }, "a wrapped line is too long or not CRLF")
        precondition(Base64.decode(wrapped) == input, "bytes encoded on lines of \(lineLength) do not decode back")
    }
}
