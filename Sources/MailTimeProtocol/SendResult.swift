/// The broker's answer to `SEND`: `OK <id>`, or `OK <id> DUPLICATE`.
public struct SendResult: Hashable, Sendable {
    /// The email's job id; for a duplicate, the id of the email first sent with the key.
    public var id: String
    /// Whether the idempotency key was seen before, so nothing new was queued.
    public var isDuplicate: Bool

    public init(id: String, isDuplicate: Bool) {
        self.id = id
        self.isDuplicate = isDuplicate
    }
}
