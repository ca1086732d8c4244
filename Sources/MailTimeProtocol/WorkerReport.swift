import MailTimeModel

/// What a sender reports with `COMPLETE`, `RETRY` or `FAIL` (protocol.md, section 5): the
/// argument that follows `<id> <token>`.
public enum WorkerReport: Hashable, Sendable {
    /// `COMPLETE`: delivered, with the per-recipient results (`[…]`, optional on the wire).
    case complete(results: [RecipientResult])
    /// `RETRY`: a temporary failure (`{"error","results","delay_ms","provider"}`).
    case retry(DeliveryFailure, results: [RecipientResult], delayMilliseconds: Int64?, provider: Int?)
    /// `FAIL`: a permanent failure (`{"error","results"}`).
    case fail(DeliveryFailure, results: [RecipientResult])

    /// The per-recipient results.
    public var results: [RecipientResult] {
        switch self {
        case .complete(let results), .retry(_, let results, _, _), .fail(_, let results): results
        }
    }
}
