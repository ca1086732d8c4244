import MailTimeProtocol

/// An email as the console shows it: where it stands, and what was queued.
public struct ConsoleEmail: Sendable {
    /// Its status, as `STATUS` gives it.
    public var status: JobStatus
    /// The stored payload (a JSON email or a submitted message); `nil` once its body is purged.
    public var payload: [UInt8]?

    public init(status: JobStatus, payload: [UInt8]?) {
        self.status = status
        self.payload = payload
    }
}
