/// What the client's token allows (protocol.md, section 4).
public enum TokenRole: String, Hashable, Sendable {
    /// `SEND`, `CANCEL`, `STATUS`.
    case producer
    /// `LEASE`, `COMPLETE`, `RETRY`, `FAIL`, `TOUCH`.
    case worker
    /// Everything.
    case admin
    /// `STATS`, `LIST`, `STATUS`, `EVENTS`.
    case viewer
}
