import MailTimeModel

/// The conditions of `LIST key=value …` and of `REQUEUE WHERE`, `CANCEL WHERE` and `PURGE WHERE`
/// (protocol.md, section 5, LIST): every condition given must hold.
public struct EmailFilter: Hashable, Sendable {
    /// The email's state.
    public var state: JobState?
    /// One of its recipients (to, cc or bcc), any case.
    public var recipient: String?
    /// The domain of one of its recipients, any case.
    public var domain: String?
    /// Its sender, any case.
    public var sender: String?
    /// One of its tags, exactly.
    public var tag: String?
    /// The provider named by its last error, exactly.
    public var provider: String?
    /// The code of its last error, exactly (`SMTP_TEMPORARY`).
    public var errorCode: String?
    /// Created at or after this time, in Unix milliseconds.
    public var createdFrom: Int64?
    /// Created before this time, in Unix milliseconds.
    public var createdTo: Int64?

    public init(
        state: JobState? = nil,
        recipient: String? = nil,
        domain: String? = nil,
        sender: String? = nil,
        tag: String? = nil,
        provider: String? = nil,
        errorCode: String? = nil,
        createdFrom: Int64? = nil,
        createdTo: Int64? = nil
    ) {
        self.state = state
        self.recipient = recipient
        self.domain = domain
        self.sender = sender
        self.tag = tag
        self.provider = provider
        self.errorCode = errorCode
        self.createdFrom = createdFrom
        self.createdTo = createdTo
    }

    /// Parses `key=value` conditions, as `LIST` and the bulk commands take them (for command-line
    /// tools); `command` names the request in errors. A key given twice, an unknown key or a value
    /// of the wrong form gets `BAD_ARGUMENTS`.
    public init(conditions: [String], command: String) throws(ProtocolError) {
        self.init()
        for condition in conditions {
            let (key, value) = try BrokerCommand.keyValue(condition, command: command)
            try add(key: key, value: value, command: command)
        }
    }

    /// Whether it has no condition.
    public var isEmpty: Bool { self == EmailFilter() }

    /// The keys of the conditions, in the order ``arguments`` writes them.
    public static let keys = ["state", "recipient", "domain", "sender", "tag", "provider", "error-code", "created-from", "created-to"]

    /// The conditions as `key=value` arguments, in the order of ``keys``.
    public var arguments: [String] {
        let values: [String?] = [
            state?.name, recipient, domain, sender, tag, provider, errorCode, createdFrom.map(String.init), createdTo.map(String.init),
        ]
        return zip(Self.keys, values).compactMap { key, value in value.map { "\(key)=\($0)" } }
    }

    /// Adds the condition of one `key=value` argument whose key is one of ``keys``; `command` names the request in errors.
    mutating func add(key: String, value: String, command: String) throws(ProtocolError) {
        func once(_ current: Any?) throws(ProtocolError) {
            guard current == nil else { throw ProtocolError(.badArguments, "\(command): \(key) is given twice") }
        }
        func milliseconds() throws(ProtocolError) -> Int64 {
            guard let number = DecimalNumber.parse(value), number <= UInt64(Int64.max) else {
                throw ProtocolError(.badArguments, "\(command): \(key) must be Unix milliseconds in digits 0-9, not \(value.prefix(32))")
            }
            return Int64(number)
        }
        switch key {
        case "state":
            try once(state)
            guard let parsed = JobState(name: value) else {
                throw ProtocolError(
                    .badArguments,
                    "\(command): unknown state \(value.prefix(32)): one of \(JobState.allCases.map(\.description).joined(separator: ", ")), in lower case"
                )
            }
            state = parsed
        case "recipient":
            try once(recipient)
            recipient = value
        case "domain":
            try once(domain)
            domain = value
        case "sender":
            try once(sender)
            sender = value
        case "tag":
            try once(tag)
            tag = value
        case "provider":
            try once(provider)
            provider = value
        case "error-code":
            try once(errorCode)
            errorCode = value
        case "created-from":
            try once(createdFrom)
            createdFrom = try milliseconds()
        case "created-to":
            try once(createdTo)
            createdTo = try milliseconds()
        default:
            throw ProtocolError(
                .badArguments, "\(command): unknown condition \(key.prefix(32)); the conditions are \(Self.keys.joined(separator: ", "))")
        }
    }
}
