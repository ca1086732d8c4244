import MailTimeJSON
import MailTimeMessage

/// Why a delivery attempt failed: what a sender reports with `RETRY` or `FAIL`, and what
/// `STATUS` shows as `last_error`.
public struct DeliveryError: Hashable, Sendable {
    /// A short stable code (`SMTP_TEMPORARY`, say).
    public var code: String
    /// What happened, for people (the SMTP reply, say).
    public var text: String
    /// The provider that failed, if any.
    public var provider: String?
    /// When it failed (Unix milliseconds), in reports from the broker.
    public var at: Int64?

    public init(code: String, text: String, provider: String? = nil) {
        self.code = code
        self.text = text
        self.provider = provider
        self.at = nil
    }

    /// Reads `{"code","text","provider","at"}`.
    init?(_ value: JSONValue) {
        guard let code = value["code"]?.stringValue, let text = value["text"]?.stringValue else { return nil }
        self.code = code
        self.text = text
        provider = value["provider"]?.stringValue
        at = value["at"]?.integerValue
    }

    /// Writes `{"code","text","provider"}`, as the worker commands send it.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("code")
        writer.string(code)
        writer.key("text")
        writer.string(text)
        if let provider {
            writer.key("provider")
            writer.string(provider)
        }
        writer.endObject()
    }
}
