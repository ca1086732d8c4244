/// Why a message submitted over SMTP is not queued: the reply to give the client after its data.
public struct SubmissionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The SMTP reply code (RFC 5321), 5xx: the client must not send the same message again unchanged.
    public var code: Int
    /// The enhanced status code (RFC 3463), `5.6.0`.
    public var enhancedCode: String
    /// The reply text: one sentence of printable ASCII.
    public var text: String

    /// A refusal whose `text` is made printable ASCII: every other character becomes `?`.
    public init(code: Int, enhancedCode: String, text: String) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.text = String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? $0 : "?" }))
    }

    /// The reply line without its CRLF: `550 5.6.0 <text>`.
    public var description: String { "\(code) \(enhancedCode) \(text)" }
}
