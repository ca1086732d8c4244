import MailTimeModel
import MailTimeQueue

extension Job {
    /// The recipients earlier attempts settled (accepted, or refused for good), in the order they
    /// were first reported: no sender sends to them again.
    var settledRecipients: [String] {
        recipientResults.filter(\.isSettled).map(\.address)
    }
}
