/// When a connection to an SMTP server uses TLS.
public enum SMTPTLSPolicy: String, Hashable, Sendable, CaseIterable {
    /// Never: plaintext throughout.
    case none
    /// STARTTLS when the server offers it; plaintext otherwise (Postfix's `may`).
    case startTLSIfOffered = "starttls-if-offered"
    /// STARTTLS, or no delivery: a server that does not offer it, or refuses it, is a provider failure.
    case startTLSRequired = "starttls-required"
    /// TLS from the first byte (RFC 8314, port 465).
    case implicit
}
