/// Why an attempt to deliver a job failed, as reported by its sender.
public struct DeliveryFailure: Hashable, Sendable {
    /// A stable, machine-readable code (for example `SMTP_TEMPORARY`, `LEASE_EXPIRED`).
    public var code: String
    /// A human sentence, usually with the server's reply.
    public var text: String
    /// The provider the attempt went to, if any.
    public var provider: String?
    /// When the failure was recorded; the queue sets it.
    public var at: Timestamp

    public init(code: String, text: String, provider: String? = nil, at: Timestamp = Timestamp(millisecondsSince1970: 0)) {
        self.code = code
        self.text = text
        self.provider = provider
        self.at = at
    }

    /// The failure recorded when a sender's lease ran out before it reported back.
    static func leaseExpired(owner: String, at time: Timestamp) -> DeliveryFailure {
        DeliveryFailure(code: "LEASE_EXPIRED", text: "lease expired: sender \(owner) did not report back in time", at: time)
    }
}
