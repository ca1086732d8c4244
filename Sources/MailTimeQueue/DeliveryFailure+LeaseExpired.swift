import MailTimeModel

extension DeliveryFailure {
    /// The failure recorded when a sender's lease ran out before it reported back.
    static func leaseExpired(owner: String, at time: Timestamp) -> DeliveryFailure {
        DeliveryFailure(
            code: .leaseExpired,
            text: "lease expired: sender \(owner) did not report back in time",
            at: time.millisecondsSince1970
        )
    }
}
