/// A MIME entity (RFC 2045/2046): a single body with its headers, or a multipart of entities.
indirect enum MIMEPart {
    /// The header lines, each ending in CRLF, in one buffer, and the encoded body.
    case single(headers: [UInt8], body: [UInt8])
    /// `multipart/<subtype>` with its parts in order.
    case multipart(subtype: String, parts: [MIMEPart])

    /// A quoted-printable UTF-8 text part of `text/<subtype>`, dot-stuffed; see
    /// ``QuotedPrintable/encode(_:endingInCRLF:dotStuffing:)``.
    static func text(_ text: String, subtype: String, endingInCRLF: Bool = false) -> MIMEPart {
        var contentType = HeaderField(name: "Content-Type")
        contentType.append(word: "text/\(subtype);")
        contentType.append(word: "charset=utf-8")
        var headers: [UInt8] = []
        headers.reserveCapacity(128)
        contentType.write(into: &headers)
        HeaderField(name: "Content-Transfer-Encoding", value: "quoted-printable").write(into: &headers)
        return .single(headers: headers, body: QuotedPrintable.encode(text, endingInCRLF: endingInCRLF, dotStuffing: true))
    }

    /// A base64 attachment; inline with a Content-ID when the attachment has one.
    static func attachment(_ attachment: Email.Attachment) -> MIMEPart {
        var contentType = HeaderField(name: "Content-Type")
        for word in parameterWords(attachment.contentType, [("name", attachment.filename)]) {
            contentType.append(word: word)
        }
        var disposition = HeaderField(name: "Content-Disposition")
        for word in parameterWords(attachment.isInline ? "inline" : "attachment", [("filename", attachment.filename)]) {
            disposition.append(word: word)
        }
        var headers: [UInt8] = []
        headers.reserveCapacity(256)
        contentType.write(into: &headers)
        disposition.write(into: &headers)
        if let contentID = attachment.contentID {
            HeaderField(name: "Content-ID", value: "<\(contentID)>").write(into: &headers)
        }
        HeaderField(name: "Content-Transfer-Encoding", value: "base64").write(into: &headers)
        var body = Base64.encode(attachment.content, lineLength: 76)
        if body.count >= 2 { body.removeLast(2) }
        return .single(headers: headers, body: body)
    }

    /// `value;` followed by `name="…"` parameters, or RFC 2231 `name*=utf-8''…` (with `name*0*` continuations
    /// when long) for values that are not short printable ASCII.
    static func parameterWords(_ value: String, _ parameters: [(name: String, value: String)]) -> [String] {
        var words = [value]
        for (name, parameterValue) in parameters {
            words[words.count - 1] += ";"
            let isSimple =
                parameterValue.utf8.count <= 60
                && parameterValue.utf8.allSatisfy { (0x20...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C }
            if isSimple {
                words.append("\(name)=\"\(parameterValue)\"")
                continue
            }
            var chunks: [String] = []
            var chunk = ""
            for scalar in parameterValue.unicodeScalars {
                let encoded = percentEncoded(scalar)
                if chunk.utf8.count + encoded.utf8.count > 54 && !chunk.isEmpty {
                    chunks.append(chunk)
                    chunk = ""
                }
                chunk += encoded
            }
            chunks.append(chunk)
            if chunks.count == 1 {
                words.append("\(name)*=utf-8''\(chunks[0])")
            } else {
                for (index, chunk) in chunks.enumerated() {
                    words.append("\(name)*\(index)*=\(index == 0 ? "utf-8''" : "")\(chunk)" + (index + 1 < chunks.count ? ";" : ""))
                }
            }
        }
        return words
    }

    /// The scalar as RFC 2231 attribute characters, other bytes as `%XX`.
    private static func percentEncoded(_ scalar: Unicode.Scalar) -> String {
        let hex = Array("0123456789ABCDEF")
        var result = ""
        for byte in String(scalar).utf8 {
            let isAttributeCharacter =
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$&+-.^_`|~".utf8.contains(byte)
            if isAttributeCharacter {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }

    /// Appends the entity: its headers, a blank line and its body, with no CRLF after the body's last line
    /// unless the body itself ends with one.
    func write(into output: inout [UInt8]) {
        switch self {
        case .single(let headers, let body):
            output += headers
            output += [0x0D, 0x0A]
            output += body
        case .multipart(let subtype, let parts):
            let boundary = BoundaryGenerator.next()
            var contentType = HeaderField(name: "Content-Type")
            contentType.append(word: "multipart/\(subtype);")
            contentType.append(word: "boundary=\"\(boundary)\"")
            contentType.write(into: &output)
            output += [0x0D, 0x0A]
            for part in parts {
                output += Array("--\(boundary)\r\n".utf8)
                part.write(into: &output)
                output += [0x0D, 0x0A]
            }
            output += Array("--\(boundary)--".utf8)
        }
    }
}
