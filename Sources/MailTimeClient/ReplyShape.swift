/// What a request's reply looks like, so that the connection knows where it ends.
enum ReplyShape: Sendable {
    /// One line.
    case single
    /// `OK <n>` followed by `n` data lines (`LIST`, `LEASE`).
    case counted
    /// `OK EVENTS`, after which `EVENT` lines go to the sink until the connection closes.
    case events(AsyncThrowingStream<String, any Error>.Continuation)
}
