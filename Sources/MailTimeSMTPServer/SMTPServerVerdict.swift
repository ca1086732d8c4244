/// The delegate's answer to a received transaction, given to the client as the reply to the final
/// `.` or to `BDAT … LAST`.
public enum SMTPServerVerdict: Hashable, Sendable {
    /// The message is stored durably under `id`: `250 2.0.0 <id> queued`.
    case accepted(id: String)
    /// The message was not taken; the client gets this reply (a 4xx or 5xx), e.g. `451 4.3.0` when the
    /// store is in trouble or `550 5.7.1` for a policy refusal.
    case refused(SMTPServerReply)
}
