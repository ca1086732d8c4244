import MailTimeMessage

extension SMTPServerStateMachine {
    /// AUTH PLAIN or LOGIN (RFC 4954), with or without an initial response.
    mutating func authCommand(_ arguments: Substring) -> Action {
        guard hello == .extended else { return respond(SMTPServerReply(503, (5, 5, 1), "Send EHLO first")) }
        guard session.isTLS else { return respond(SMTPServerReply(530, (5, 7, 0), "Must issue a STARTTLS command first")) }
        guard session.identity == nil else { return respond(SMTPServerReply(503, (5, 5, 1), "Already authenticated")) }
        guard envelope == nil else { return respond(SMTPServerReply(503, (5, 5, 1), "AUTH not allowed during a mail transaction")) }
        let words = arguments.split(separator: " ")
        guard (1...2).contains(words.count) else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: AUTH mechanism [initial-response]")) }
        let initialResponse = words.count == 2 ? String(words[1]) : nil
        switch words[0].uppercased() {
        case "PLAIN":
            guard let initialResponse else {
                state = .authPlainResponse
                return .reply(SMTPServerReply(code: 334, enhancedCode: nil, text: ""))
            }
            return plainResponse(initialResponse)
        case "LOGIN":
            guard let initialResponse else {
                state = .authLoginUsername
                return .reply(SMTPServerReply(code: 334, enhancedCode: nil, text: "VXNlcm5hbWU6"))
            }
            return loginUsername(initialResponse)
        default:
            return respond(SMTPServerReply(504, (5, 5, 4), "Unrecognized authentication type"))
        }
    }

    /// A line answering a 334 challenge.
    mutating func authenticationResponse(_ line: String) -> Action {
        let step = state
        state = .command
        if line == "*" {
            return respond(SMTPServerReply(501, (5, 0, 0), "Authentication cancelled"))
        }
        switch step {
        case .authPlainResponse: return plainResponse(line)
        case .authLoginUsername: return loginUsername(line)
        case .authLoginPassword(let username): return loginPassword(line, username: username)
        default: return command(line)
        }
    }

    /// `authzid NUL authcid NUL password`; an authorization identity other than the user is refused.
    private mutating func plainResponse(_ response: String) -> Action {
        guard let decoded = Self.base64(response) else { return badBase64() }
        let fields = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let authorization = String(validating: fields[0], as: UTF8.self),
            let username = String(validating: fields[1], as: UTF8.self),
            let password = String(validating: fields[2], as: UTF8.self)
        else {
            return respond(SMTPServerReply(501, (5, 5, 2), "Malformed PLAIN response"))
        }
        guard authorization.isEmpty || authorization == username else {
            return respond(SMTPServerReply(535, (5, 7, 8), "Authentication credentials invalid"))
        }
        state = .awaitingAuthentication
        return .authenticate(username: username, password: password)
    }

    private mutating func loginUsername(_ response: String) -> Action {
        guard let decoded = Self.base64(response), let username = String(validating: decoded, as: UTF8.self) else { return badBase64() }
        state = .authLoginPassword(username: username)
        return .reply(SMTPServerReply(code: 334, enhancedCode: nil, text: "UGFzc3dvcmQ6"))
    }

    private mutating func loginPassword(_ response: String, username: String) -> Action {
        guard let decoded = Self.base64(response), let password = String(validating: decoded, as: UTF8.self) else { return badBase64() }
        state = .awaitingAuthentication
        return .authenticate(username: username, password: password)
    }

    private mutating func badBase64() -> Action {
        state = .command
        return respond(SMTPServerReply(501, (5, 5, 2), "Cannot decode the response as base64"))
    }

    /// Decodes a response; `=` is the empty initial response (RFC 4954 §4).
    private static func base64(_ text: String) -> [UInt8]? {
        if text == "=" { return [] }
        guard !text.isEmpty, !text.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 }) else { return nil }
        return Base64.decode(text.utf8)
    }
}
