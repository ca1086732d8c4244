import MailTimeJSON
import MailTimeMessage

/// One recipient's outcome of a delivery attempt.
public struct RecipientReport: Hashable, Sendable {
    public var address: String
    /// Whether the recipient's server accepted the email.
    public var accepted: Bool
    /// The SMTP reply code (250, 451, 550…); 0 when there was none.
    public var code: Int
    /// The SMTP reply text.
    public var reply: String

    public init(address: String, accepted: Bool, code: Int = 0, reply: String = "") {
        self.address = address
        self.accepted = accepted
        self.code = code
        self.reply = reply
    }

    /// Reads `{"address","accepted","code","reply"}`.
    init?(_ value: JSONValue) {
        guard let address = value["address"]?.stringValue, let accepted = value["accepted"]?.boolValue else { return nil }
        self.address = address
        self.accepted = accepted
        code = value["code"]?.integerValue.map(Int.init) ?? 0
        reply = value["reply"]?.stringValue ?? ""
    }

    /// Writes `{"address","accepted","code","reply"}`, as the worker commands send it.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("address")
        writer.string(address)
        writer.key("accepted")
        writer.bool(accepted)
        writer.key("code")
        writer.integer(code)
        writer.key("reply")
        writer.string(reply)
        writer.endObject()
    }
}
