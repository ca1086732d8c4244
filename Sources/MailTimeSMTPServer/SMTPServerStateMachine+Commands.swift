import MailTimeMessage
import NIOCore

extension SMTPServerStateMachine {
    /// Answers one command line.
    mutating func command(_ line: String) -> Action {
        let verb: Substring
        let arguments: Substring
        if let space = line.firstIndex(of: " ") {
            verb = line[..<space]
            arguments = line[line.index(after: space)...]
        } else {
            verb = line[...]
            arguments = ""
        }
        switch verb.uppercased() {
        case "EHLO": return helloCommand(arguments, isExtended: true)
        case "HELO": return helloCommand(arguments, isExtended: false)
        case "STARTTLS": return startTLSCommand(arguments)
        case "AUTH": return authCommand(arguments)
        case "MAIL": return mailCommand(arguments)
        case "RCPT": return recipientCommand(arguments)
        case "DATA": return dataCommand(arguments)
        case "BDAT": return bdatCommand(arguments)
        case "RSET":
            guard arguments.isEmpty else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: RSET")) }
            envelope = nil
            return respond(SMTPServerReply(250, (2, 0, 0), "OK"))
        case "NOOP":
            return respond(SMTPServerReply(250, (2, 0, 0), "OK"))
        case "QUIT":
            return closing(SMTPServerReply(221, (2, 0, 0), "\(configuration.hostname) closing connection"))
        case "VRFY":
            guard !arguments.isEmpty else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: VRFY address")) }
            return respond(SMTPServerReply(252, (2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery"))
        case "HELP":
            return respond(
                SMTPServerReply(214, (2, 0, 0), "Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP")
            )
        default:
            return respond(SMTPServerReply(500, (5, 5, 1), "Command unrecognized"))
        }
    }

    private mutating func helloCommand(_ arguments: Substring, isExtended: Bool) -> Action {
        let name = arguments.trimmingSpaces
        guard !name.isEmpty else {
            return respond(SMTPServerReply(501, (5, 5, 4), isExtended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname"))
        }
        envelope = nil
        hello = isExtended ? .extended : .basic
        session.heloName = String(name)
        session.isExtended = isExtended
        guard isExtended else {
            return .reply(SMTPServerReply(code: 250, enhancedCode: nil, text: configuration.hostname))
        }
        var lines = [
            configuration.hostname, "PIPELINING", "SIZE \(configuration.maximumMessageSize)", "8BITMIME", "SMTPUTF8",
            "ENHANCEDSTATUSCODES", "CHUNKING",
        ]
        if !session.isTLS, isTLSAvailable { lines.append("STARTTLS") }
        if session.isTLS { lines.append("AUTH PLAIN LOGIN") }
        return .reply(SMTPServerReply(code: 250, enhancedCode: nil, lines: lines))
    }

    private mutating func startTLSCommand(_ arguments: Substring) -> Action {
        guard arguments.isEmpty else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: STARTTLS")) }
        guard !session.isTLS else { return respond(SMTPServerReply(503, (5, 5, 1), "TLS already active")) }
        guard isTLSAvailable else { return respond(SMTPServerReply(502, (5, 5, 1), "STARTTLS not available")) }
        guard hello != .none else { return respond(SMTPServerReply(503, (5, 5, 1), "Send EHLO first")) }
        guard buffer.readableBytes == 0 else {
            return closing(SMTPServerReply(421, (4, 7, 0), "Pipelined data after STARTTLS, closing connection"))
        }
        state = .tlsHandshake
        queued.append(.startTLS)
        return .reply(SMTPServerReply(220, (2, 0, 0), "Ready to start TLS"))
    }

    private mutating func mailCommand(_ arguments: Substring) -> Action {
        guard hello != .none else { return respond(SMTPServerReply(503, (5, 5, 1), "Send EHLO first")) }
        guard envelope == nil else { return respond(SMTPServerReply(503, (5, 5, 1), "Nested MAIL command")) }
        guard !configuration.requiresAuthentication || session.isTrusted || session.identity != nil else {
            return respond(SMTPServerReply(530, (5, 7, 0), "Authentication required"))
        }
        guard let (path, parameters) = Self.parsePathArgument(arguments, keyword: "FROM:") else {
            return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: MAIL FROM:<address> [parameters]"))
        }
        var isSMTPUTF8 = false
        var bodyType = SMTPServerTransaction.BodyType.sevenBit
        var declaredSize: Int?
        var seen: Set<String> = []
        for parameter in parameters {
            let (key, value) = parameter.keyAndValue
            guard hello == .extended else { return respond(SMTPServerReply(555, (5, 5, 4), "Unsupported parameter \(Self.shown(key))")) }
            guard seen.insert(key).inserted else { return respond(SMTPServerReply(501, (5, 5, 4), "Duplicate parameter \(Self.shown(key))")) }
            switch key {
            case "SIZE":
                guard let value, let size = Self.decimal(value) else {
                    return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: SIZE=<octets>"))
                }
                guard size <= configuration.maximumMessageSize else {
                    return respond(SMTPServerReply(552, (5, 3, 4), "Message size exceeds fixed maximum message size"))
                }
                declaredSize = size
            case "BODY":
                switch value?.uppercased() {
                case "7BIT": bodyType = .sevenBit
                case "8BITMIME": bodyType = .eightBitMIME
                default: return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: BODY=7BIT or BODY=8BITMIME"))
                }
            case "SMTPUTF8":
                guard value == nil else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: SMTPUTF8 takes no value")) }
                isSMTPUTF8 = true
            case "AUTH":
                // RFC 4954 §5: the original submitter; accepted and ignored.
                break
            default:
                return respond(SMTPServerReply(555, (5, 5, 4), "Unsupported parameter \(Self.shown(key))"))
            }
        }
        var domain: String?
        if !path.isEmpty {
            guard let address = try? EmailAddress(address: path) else {
                return respond(SMTPServerReply(501, (5, 1, 7), "Bad sender address syntax"))
            }
            guard isSMTPUTF8 || !address.needsSMTPUTF8 else {
                return respond(SMTPServerReply(553, (5, 6, 7), "Non-ASCII address requires SMTPUTF8"))
            }
            domain = String(address.domain)
        }
        if let allowed = session.identity?.allowedSenderDomains, !Self.isAllowed(domain: domain, in: allowed) {
            return respond(SMTPServerReply(550, (5, 7, 1), "Sender address not allowed for this login"))
        }
        envelope = Envelope(
            reversePath: path,
            isSMTPUTF8: isSMTPUTF8,
            bodyType: bodyType,
            declaredSize: declaredSize,
            content: SMTPServerMessageReceiver(maximumSize: configuration.maximumMessageSize)
        )
        return respond(SMTPServerReply(250, (2, 1, 0), "Sender OK"))
    }

    private mutating func recipientCommand(_ arguments: Substring) -> Action {
        guard envelope != nil else { return respond(SMTPServerReply(503, (5, 5, 1), "Need MAIL command")) }
        guard envelope?.hasChunks == false else { return respond(SMTPServerReply(503, (5, 5, 1), "RCPT not allowed after BDAT")) }
        guard let (path, parameters) = Self.parsePathArgument(arguments, keyword: "TO:") else {
            return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: RCPT TO:<address>"))
        }
        if let parameter = parameters.first {
            return respond(SMTPServerReply(555, (5, 5, 4), "Unsupported parameter \(Self.shown(parameter.keyAndValue.key))"))
        }
        guard !path.isEmpty, let address = try? EmailAddress(address: path) else {
            return respond(SMTPServerReply(501, (5, 1, 3), "Bad recipient address syntax"))
        }
        guard envelope?.isSMTPUTF8 == true || !address.needsSMTPUTF8 else {
            return respond(SMTPServerReply(553, (5, 6, 7), "Non-ASCII address requires SMTPUTF8"))
        }
        guard (envelope?.recipients.count ?? 0) < configuration.maximumRecipients else {
            return respond(SMTPServerReply(452, (4, 5, 3), "Too many recipients"))
        }
        envelope?.recipients.append(path)
        return respond(SMTPServerReply(250, (2, 1, 5), "Recipient OK"))
    }

    private mutating func dataCommand(_ arguments: Substring) -> Action {
        guard arguments.isEmpty else { return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: DATA")) }
        guard let envelope else { return respond(SMTPServerReply(503, (5, 5, 1), "Need MAIL command")) }
        guard !envelope.hasChunks else { return respond(SMTPServerReply(503, (5, 5, 1), "DATA not allowed after BDAT")) }
        guard !envelope.recipients.isEmpty else { return respond(SMTPServerReply(554, (5, 5, 1), "No valid recipients")) }
        guard buffer.readableBytes == 0 else {
            return closing(SMTPServerReply(554, (5, 5, 0), "Improper pipelining: data sent before the 354 reply, closing connection"))
        }
        state = .data
        return .reply(SMTPServerReply(code: 354, enhancedCode: nil, text: "End data with <CR><LF>.<CR><LF>"))
    }

    private mutating func bdatCommand(_ arguments: Substring) -> Action {
        let words = arguments.split(separator: " ")
        guard (1...2).contains(words.count), let size = Self.decimal(words[0]),
            words.count == 1 || words[1].uppercased() == "LAST"
        else {
            return respond(SMTPServerReply(501, (5, 5, 4), "Syntax: BDAT <octets> [LAST]"))
        }
        var refusal: SMTPServerReply?
        if envelope == nil {
            refusal = SMTPServerReply(503, (5, 5, 1), "Need MAIL command")
        } else if envelope?.recipients.isEmpty == true {
            refusal = SMTPServerReply(554, (5, 5, 1), "No valid recipients")
        } else {
            envelope?.hasChunks = true
        }
        state = .bdat(remaining: size, size: size, isLast: words.count == 2, refusal: refusal)
        return receiveChunk() ?? .awaitInput
    }

    // MARK: - Parsing

    /// Splits `FROM:<path> PARAM=value …` into the path without brackets (source route dropped) and
    /// the parameters; `nil` when it is not of that form.
    static func parsePathArgument(_ arguments: Substring, keyword: String) -> (path: String, parameters: [Substring])? {
        guard arguments.count >= keyword.count, arguments.prefix(keyword.count).uppercased() == keyword else { return nil }
        var rest = arguments.dropFirst(keyword.count)
        // A space after the colon is common (RFC 5321 does not allow it; every server accepts it).
        while rest.first == " " { rest = rest.dropFirst() }
        guard rest.first == "<" else { return nil }
        var index = rest.index(after: rest.startIndex)
        var isQuoted = false
        var close: Substring.Index?
        while index < rest.endIndex {
            let character = rest[index]
            if isQuoted, character == "\\" {
                index = rest.index(after: index)
                guard index < rest.endIndex else { return nil }
            } else if character == "\"" {
                isQuoted.toggle()
            } else if character == ">", !isQuoted {
                close = index
                break
            }
            index = rest.index(after: index)
        }
        guard let close else { return nil }
        var path = rest[rest.index(after: rest.startIndex)..<close]
        if path.first == "@" {
            // A source route, `@relay,@relay:mailbox` (RFC 5321 §4.1.2): ignored, as §3.3 allows.
            guard let colon = path.firstIndex(of: ":") else { return nil }
            path = path[path.index(after: colon)...]
        }
        let after = rest[rest.index(after: close)...]
        guard after.isEmpty || after.first == " " else { return nil }
        return (String(path), after.split(separator: " "))
    }

    /// A parameter name as a reply shows it: its first 64 Unicode scalars, so that the reply line stays
    /// within 512 octets (RFC 5321 §4.5.3.1.5) whatever the command line held.
    static func shown(_ key: String) -> String {
        String(String.UnicodeScalarView(key.unicodeScalars.prefix(64)))
    }

    /// A non-negative decimal number of at most 18 digits.
    static func decimal(_ text: Substring) -> Int? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Whether `domain` (an A-label domain, `nil` for the null sender) is one of `allowed`, compared
    /// without regard to case, with non-ASCII entries as A-labels.
    static func isAllowed(domain: String?, in allowed: [String]) -> Bool {
        guard let domain else { return false }
        let wanted = domain.lowercased()
        return allowed.contains { entry in
            let ascii = (try? IDNA.asciiDomain(entry).get()) ?? entry
            return ascii.lowercased() == wanted
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }

    /// `KEY=value` as the upper-cased key and the value, or `KEY` and `nil`.
    fileprivate var keyAndValue: (key: String, value: Substring?) {
        guard let equals = firstIndex(of: "=") else { return (uppercased(), nil) }
        return (self[..<equals].uppercased(), self[index(after: equals)...])
    }
}
