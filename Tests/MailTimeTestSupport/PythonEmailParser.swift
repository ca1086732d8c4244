import Foundation

/// Parses a message with Python's `email` package (`policy.default`), the real peer the composer must satisfy.
public struct PythonEmailParser {
    /// What Python made of the message.
    public struct Parsed: Decodable, Sendable {
        public struct Mailbox: Decodable, Equatable, Sendable {
            public var name: String
            public var address: String

            public init(name: String, address: String) {
                self.name = name
                self.address = address
            }
        }

        public struct Part: Decodable, Sendable {
            public var contentType: String
            public var contentID: String?
            public var filename: String?
            public var disposition: String?
            public var charset: String?
            public var transferEncoding: String?
            /// Decoded text for text parts that are not attachments.
            public var text: String?
            /// Decoded bytes, base64, for other leaf parts.
            public var base64: String?
            public var isMultipart: Bool

            public var bytes: [UInt8]? { base64.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
        }

        public var subject: String?
        public var from: [Mailbox]?
        public var to: [Mailbox]?
        public var cc: [Mailbox]?
        public var replyTo: [Mailbox]?
        public var messageID: String?
        public var date: String?
        public var headerNames: [String]
        public var headers: [String: String]
        /// Each header as RFC 2047's own decoder (`email.header.decode_header`) reads it.
        public var decodedHeaders: [String: String]
        public var defects: [String]
        public var parts: [Part]
        public var longestLine: Int
        public var hasBareLineFeed: Bool

        /// The leaf parts, in order.
        public var leaves: [Part] { parts.filter { !$0.isMultipart } }
        /// The content types of all parts, depth first.
        public var structure: [String] { parts.map(\.contentType) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private static let script = #"""
        import sys, json, email, email.policy
        data = open(sys.argv[1], 'rb').read()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        def fix(text):
            # Raw UTF-8 in headers (RFC 6532) comes back as surrogate escapes.
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if text else text
        def mailboxes(name):
            header = msg[name]
            if header is None:
                return None
            return [{"name": fix(a.display_name), "address": fix(a.addr_spec)} for a in header.addresses]
        parts = []
        for part in msg.walk():
            entry = {
                "contentType": part.get_content_type(),
                "contentID": part.get("Content-ID"),
                "filename": part.get_filename(),
                "disposition": part.get_content_disposition(),
                "charset": part.get_content_charset(),
                "transferEncoding": part.get("Content-Transfer-Encoding"),
                "isMultipart": part.is_multipart(),
            }
            if not part.is_multipart():
                if part.get_content_maintype() == "text" and part.get_content_disposition() is None:
                    entry["text"] = part.get_content()
                else:
                    import base64
                    entry["base64"] = base64.b64encode(part.get_payload(decode=True)).decode()
            parts.append(entry)
        import email.header
        raw = email.message_from_bytes(data)
        decoded = {k: str(email.header.make_header(email.header.decode_header(v))) for k, v in raw.items()}
        lines = data.split(b"\r\n")
        print(json.dumps({
            "subject": msg["subject"],
            "from": mailboxes("from"),
            "to": mailboxes("to"),
            "cc": mailboxes("cc"),
            "replyTo": mailboxes("reply-to"),
            "messageID": msg["message-id"],
            "date": msg["date"],
            "headerNames": list(msg.keys()),
            "headers": {k: fix(str(v)) for k, v in msg.items()},
            "decodedHeaders": decoded,
            "defects": [repr(d) for p in msg.walk() for d in p.defects],
            "parts": parts,
            "longestLine": max(len(l) for l in lines),
            "hasBareLineFeed": any(b"\n" in l for l in lines),
        }))
        """#

    public static func parse(_ message: [UInt8]) throws -> Parsed {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mailtime-\(UUID().uuidString).eml")
        try Data(message).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed (\(process.terminationStatus)): \(errorText)")
        }
        return try JSONDecoder().decode(Parsed.self, from: data)
    }
}
