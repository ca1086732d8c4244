/// A leased email, from the queue in the broker or over the protocol.
public struct DeliveryJob: Sendable {
    public var id: String
    /// The lease's fencing token.
    public var token: UInt64
    /// Attempts made, this one included.
    public var attempt: Int
    /// The provider an earlier attempt pinned the email to.
    public var pinnedProvider: Int?
    /// The email as stored: JSON, or a submitted message (``SubmittedMessage/storedBytes()``).
    public var payload: [UInt8]
    /// Recipients settled by earlier attempts (accepted, or refused for good): not sent to again.
    public var settledRecipients: Set<String>
    /// When it was leased.
    public var leasedAt: ContinuousClock.Instant
    /// Emails to the same recipient leased with this one, to be folded into it and sent as one.
    public var folded: [DeliveryJob]

    public init(
        id: String,
        token: UInt64,
        attempt: Int,
        pinnedProvider: Int?,
        payload: [UInt8],
        settledRecipients: Set<String>,
        leasedAt: ContinuousClock.Instant = .now,
        folded: [DeliveryJob] = []
    ) {
        self.id = id
        self.token = token
        self.attempt = attempt
        self.pinnedProvider = pinnedProvider
        self.payload = payload
        self.settledRecipients = settledRecipients
        self.leasedAt = leasedAt
        self.folded = folded
    }
}
