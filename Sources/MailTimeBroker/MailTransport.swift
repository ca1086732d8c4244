import MailTimeMessage
import MailTimeQueue

/// Where a sender hands a composed email. Returns what happened per recipient; throws
/// ``DeliveryFailure``-shaped errors (`TransportError`) for attempts that should be retried.
protocol MailTransport: Sendable {
    /// A short name for logs and recorded errors.
    var name: String { get }
    func deliver(_ message: ComposedMessage, id: JobID) async throws(TransportError) -> [RecipientResult]
}

/// A failed delivery attempt: temporary (try again later) or permanent.
struct TransportError: Error {
    var failure: DeliveryFailure
    var isPermanent: Bool
}
