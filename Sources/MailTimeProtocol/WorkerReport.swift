import MailTimeModel

/// What a sender reports with `COMPLETE`, `RETRY` or `FAIL` (protocol.md, section 5): the
/// argument that follows `<id> <token>`. The provider and the duration are optional facts for the
/// email's attempt history; reports without them stay valid.
public enum WorkerReport: Hashable, Sendable {
    /// `COMPLETE`: delivered, with the per-recipient results: `[…]`, or
    /// `{"results","provider","duration_ms"}` with the provider's name and the delivery's duration.
    case complete(results: [RecipientResult], provider: String? = nil, durationMilliseconds: Int64? = nil)
    /// `RETRY`: a temporary failure (`{"error","results","delay_ms","provider","duration_ms"}`).
    case retry(DeliveryFailure, results: [RecipientResult], delayMilliseconds: Int64?, provider: Int?, durationMilliseconds: Int64? = nil)
    /// `FAIL`: a permanent failure (`{"error","results","duration_ms"}`).
    case fail(DeliveryFailure, results: [RecipientResult], durationMilliseconds: Int64? = nil)

    /// The per-recipient results.
    public var results: [RecipientResult] {
        switch self {
        case .complete(let results, _, _), .retry(_, let results, _, _, _), .fail(_, let results, _): results
        }
    }

    /// How long the delivery took, as the sender measured it, if it said.
    public var durationMilliseconds: Int64? {
        switch self {
        case .complete(_, _, let duration), .retry(_, _, _, _, let duration), .fail(_, _, let duration): duration
        }
    }
}
