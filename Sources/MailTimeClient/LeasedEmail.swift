import MailTimeJSON
import MailTimeMessage

/// An email leased with ``MailTimeClient/lease(max:visibilitySeconds:)``: deliver it, then report
/// with its id and token.
public struct LeasedEmail: Hashable, Sendable {
    public var id: String
    /// The lease's fencing token: only it can report the outcome.
    public var token: UInt64
    /// Attempts made, this one included.
    public var attempts: Int
    /// The provider index the attempt is pinned to, if any.
    public var provider: Int?
    /// The lease's end, in Unix milliseconds.
    public var deadline: Int64
    /// Recipients earlier attempts settled (accepted, or refused for good): do not send to them again.
    public var settledRecipients: [String]
    /// The stored email, as JSON exactly as the broker sent it: validated, normalised, with a `message_id`.
    public var email: [UInt8]

    /// Parses a `JOB {…}` line of a `LEASE` reply.
    init(jobLine line: String) throws(MailTimeClientError) {
        guard line.hasPrefix("JOB ") else {
            throw MailTimeClientError(.unexpectedReply, "a LEASE line is not a JOB line: \(line.prefix(80))")
        }
        let value: JSONValue
        let rawValues: [String: ArraySlice<UInt8>]
        do {
            (value, rawValues) = try JSONParser.parseObjectKeepingRawValues(Array(line.utf8.dropFirst(4)))
        } catch {
            throw MailTimeClientError(.unexpectedReply, "a leased job is not JSON: \(error)")
        }
        guard let id = value["id"]?.stringValue,
            let token = value["token"]?.integerValue, token >= 0,
            let deadline = value["deadline"]?.integerValue,
            let email = rawValues["email"]
        else {
            throw MailTimeClientError(.unexpectedReply, "a leased job lacks its id, token, deadline or email")
        }
        self.id = id
        self.token = UInt64(token)
        attempts = value["attempts"]?.integerValue.map(Int.init) ?? 0
        provider = value["provider"]?.integerValue.map(Int.init)
        self.deadline = deadline
        settledRecipients = try Self.settledRecipients(value["settled"])
        self.email = Array(email)
    }

    /// The `settled` field: an array of addresses, or nothing when none is settled.
    private static func settledRecipients(_ field: JSONValue?) throws(MailTimeClientError) -> [String] {
        guard let field else { return [] }
        let elements = field.arrayValue ?? []
        let addresses = elements.compactMap(\.stringValue)
        guard field.arrayValue != nil, addresses.count == elements.count else {
            throw MailTimeClientError(.unexpectedReply, "a leased job's settled recipients are not an array of addresses")
        }
        return addresses
    }
}
